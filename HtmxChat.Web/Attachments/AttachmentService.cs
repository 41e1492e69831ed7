using System.Security.Cryptography;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Attachments;

/// <summary>
/// Uploading a file into a chat and reading it back: the rules the page, the JSON API and the WebSocket share. An
/// upload streams through a temporary file (never whole in memory), is capped while it streams, is typed by its bytes,
/// and an image loses its metadata and gains a thumbnail before anything is stored.
/// </summary>
public sealed class AttachmentService(
    ChatService chats,
    IAttachmentStore store,
    IOptions<AttachmentOptions> options,
    TimeProvider clock,
    ILogger<AttachmentService> logger)
{
    public AttachmentOptions Options => options.Value;

    /// <summary>Stores <paramref name="content"/> as an unsent upload of <paramref name="userId"/> in the chat, if it is theirs.</summary>
    public async Task<(Attachment? Attachment, ChatResult.Refused? Refusal)> UploadAsync(
        string userId, string chatId, string? fileName, Stream content, CancellationToken ct = default) =>
        await chats.FindChatAsync(userId, chatId, ct) is { } chat
            ? await UploadAsync(userId, chat, fileName, content, ct)
            : (null, new ChatResult.NotFound());

    /// <summary>As above, into a chat the caller has already found to be theirs (no second read of it).</summary>
    public async Task<(Attachment? Attachment, ChatResult.Refused? Refusal)> UploadAsync(
        string userId, Chat chat, string? fileName, Stream content, CancellationToken ct = default)
    {
        var chatId = chat.Id;
        await using var received = TemporaryFile();
        if (!await CopyCappedAsync(content, received, Options.MaxBytes, ct))
        {
            return (null, TooLarge());
        }
        if (received.Length == 0)
        {
            return (null, new ChatResult.Invalid("The file is empty.", "file"));
        }

        received.Position = 0;
        var head = new byte[FileTypes.HeadLength];
        var headLength = await received.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var detected = FileTypes.Detect(head.AsSpan(0, headLength));
        var name = SafeFileName.From(fileName, detected);
        if (FileTypes.Mismatch(detected, name) is { } mismatch)
        {
            return (null, new ChatResult.UnsupportedType(mismatch));
        }
        var type = FileTypes.Refine(detected, name);

        FileStream served = received;
        await using var stripped = FileTypes.IsInlineImage(type) ? TemporaryFile() : null;
        ImageFacts? image = null;
        if (stripped is not null && await ProbeAsync(received, name, ct) is { } facts)
        {
            try
            {
                received.Position = 0;
                await ImageMetadata.StripAsync(type, received, stripped, facts.Orientation, ct);
                (served, image) = (stripped, facts);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                logger.LogInformation(e, "Could not take the metadata out of {FileName}; it is kept as a plain file.", name);
            }
        }
        if (image is null && FileTypes.IsInlineImage(type))
        {
            // An image that does not decode is still the person's file: kept as bytes, offered as a download.
            type = FileTypes.Binary;
        }

        served.Position = 0;
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(served, ct));
        var attachment = new Attachment(Ids.New(), chatId, userId, name, type, served.Length, Now())
        {
            ContentHash = hash,
            Width = image?.Width,
            Height = image?.Height,
            ThumbnailHash = image?.Thumbnail is { } thumbnail ? Convert.ToHexStringLower(SHA256.HashData(thumbnail)) : null,
            ThumbnailType = image?.Thumbnail is null ? null : image.ThumbnailType,
        };
        served.Position = 0;
        await using var thumbnailStream = image?.Thumbnail is { } bytes ? new MemoryStream(bytes, writable: false) : null;
        await store.AddAsync(attachment, served, thumbnailStream, ct);
        return (attachment, null);
    }

    public ChatResult.Refused TooLarge() =>
        new ChatResult.TooLarge($"A file can be at most {Describe(Options.MaxBytes)}.");

    /// <summary>
    /// An attachment and its bytes for <paramref name="userId"/>: a sent one in a chat they are in, or their own unsent
    /// upload. Null for everything else, an unknown id included, so an outsider learns nothing.
    /// </summary>
    public async Task<(Attachment Attachment, Stream Content)?> OpenAsync(string userId, string id, AttachmentPart part, CancellationToken ct = default)
    {
        if (!Ids.IsWellFormed(id) || await store.FindAsync(id, ct) is not { } attachment || !attachment.IsVisibleTo(userId)
            || await chats.FindChatAsync(userId, attachment.ChatId, ct) is null
            || await store.OpenReadAsync(attachment, part, ct) is not { } content)
        {
            return null;
        }
        return (attachment, content);
    }

    /// <summary>Those of <paramref name="ids"/> that are still the person's unsent uploads in the chat, in that order.</summary>
    public async Task<IReadOnlyList<Attachment>> PendingAsync(string userId, string chatId, IEnumerable<string> ids, CancellationToken ct = default)
    {
        var pending = new List<Attachment>();
        foreach (var id in ids.Where(Ids.IsWellFormed).Distinct().Take(Options.MaxPerMessage))
        {
            if (await store.FindAsync(id, ct) is { } upload && upload.IsUnsentUploadOf(userId, chatId))
            {
                pending.Add(upload);
            }
        }
        return pending;
    }

    /// <summary>Removes unsent uploads past their time and what interrupted uploads left; returns how many went.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow().AddHours(-Options.UnsentHours);
        var removed = 0;
        while (await store.FindUnsentAsync(cutoff, 500, ct) is { Count: > 0 } stale)
        {
            await store.ReleaseAsync(stale, ct);
            removed += stale.Count;
        }
        return removed + await store.RemoveLeftoversAsync(clock.GetUtcNow().AddHours(-1), ct);
    }

    /// <summary>"25 MB", "300 KB".</summary>
    public static string Describe(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB"
        : bytes >= 1024 ? $"{bytes / 1024.0:0} KB"
        : $"{bytes} bytes";

    // Decoding takes a core and, for an image the codec cannot scale down, all its pixels: a few at a time.
    private readonly SemaphoreSlim _decoding = new(Environment.ProcessorCount);

    private async Task<ImageFacts?> ProbeAsync(Stream image, string name, CancellationToken ct)
    {
        await _decoding.WaitAsync(ct);
        try
        {
            image.Position = 0;
            return ImageProbe.Probe(image, Options.MaxImagePixels);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogInformation(e, "{FileName} did not decode as an image; it is kept as a plain file.", name);
            return null;
        }
        finally
        {
            _decoding.Release();
        }
    }

    /// <summary>Copies at most <paramref name="max"/> bytes; false (having stopped reading) when there are more.</summary>
    private static async Task<bool> CopyCappedAsync(Stream source, Stream target, long max, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > max)
            {
                return false;
            }
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return true;
    }

    /// <summary>A scratch file that is deleted when closed, whatever happens.</summary>
    private static FileStream TemporaryFile() => new(
        Path.Combine(Path.GetTempPath(), $"htmxchat-upload-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
}
