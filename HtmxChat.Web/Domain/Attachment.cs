namespace HtmxChat.Web.Domain;

/// <summary>
/// A file someone uploaded into a chat: unsent (only its uploader may use it) until a message names it, then part of
/// that message for everyone in the chat.
/// </summary>
public sealed record Attachment(
    string Id,
    string ChatId,
    string UploaderId,
    string FileName,
    string ContentType,
    long Size,
    DateTimeOffset CreatedAt)
{
    /// <summary>SHA-256 (hex) of the bytes served: the ETag, and on disk the file's name.</summary>
    public string ContentHash { get; init; } = "";

    /// <summary>Pixels, for an image that decoded (as shown, after its orientation is applied).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }

    /// <summary>SHA-256 (hex) of the thumbnail's bytes, for an image that has one.</summary>
    public string? ThumbnailHash { get; init; }

    public string? ThumbnailType { get; init; }

    /// <summary>The message that sent it; null while unsent.</summary>
    public string? MessageId { get; init; }

    public bool HasThumbnail => ThumbnailHash is not null;

    /// <summary>A picture to show in the page rather than a file to download.</summary>
    public bool IsImage => Width is not null && FileTypes.IsInlineImage(ContentType);

    /// <summary>What a message by <paramref name="userId"/> in <paramref name="chatId"/> may take: their own upload there, not sent yet.</summary>
    public bool IsUnsentUploadOf(string userId, string chatId) => MessageId is null && UploaderId == userId && ChatId == chatId;

    /// <summary>What a reader may fetch: a sent file, or an unsent one by its uploader.</summary>
    public bool IsVisibleTo(string userId) => MessageId is not null || UploaderId == userId;
}

/// <summary>Which bytes of an attachment to read.</summary>
public enum AttachmentPart
{
    Content,
    Thumbnail,
}
