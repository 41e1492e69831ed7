using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Storage;

/// <summary>
/// Uploaded files: their records and their bytes. A message takes its attachments in the chat store's append (see
/// <see cref="IChatRepository.AppendMessageAsync"/>), and a deletion drops their records there; this store keeps the bytes.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>
    /// Stores the bytes (<paramref name="content"/> read to its end, <paramref name="thumbnail"/> if any) and then the
    /// record, unsent. Bytes are never visible under their real name half-written.
    /// </summary>
    Task AddAsync(Attachment attachment, Stream content, Stream? thumbnail, CancellationToken ct = default);

    Task<Attachment?> FindAsync(string id, CancellationToken ct = default);

    /// <summary>A seekable stream of the stored bytes; null when they are gone.</summary>
    Task<Stream?> OpenReadAsync(Attachment attachment, AttachmentPart part, CancellationToken ct = default);

    /// <summary>Drops the records that remain of these attachments and every byte no record needs any more.</summary>
    Task ReleaseAsync(IReadOnlyList<Attachment> attachments, CancellationToken ct = default);

    /// <summary>Unsent uploads created before <paramref name="createdBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<Attachment>> FindUnsentAsync(DateTimeOffset createdBefore, int limit, CancellationToken ct = default);

    /// <summary>Clears what an interrupted upload left behind (written before <paramref name="before"/>); returns how many pieces.</summary>
    Task<int> RemoveLeftoversAsync(DateTimeOffset before, CancellationToken ct = default);
}

/// <summary>A message named attachments that are not the sender's unsent uploads in that chat (sent already, or someone else's).</summary>
public sealed class AttachmentsNotAvailableException() : Exception("An attachment is not an unsent upload of the sender in this chat.");
