using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace HtmxChat.Web.Attachments;

/// <summary>
/// Uploads and downloads over HTTP, for the API and the browser alike: reading one file out of a multipart body as it
/// streams, and answering with the bytes so that nothing we serve can run as a page on our origin.
/// </summary>
public static class AttachmentHttp
{
    public const string FileField = "file";

    /// <summary>The requests that carry a file: an upload, or the send form posted without JavaScript.</summary>
    public static bool CarriesFile(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method) || !request.HasFormContentType)
        {
            return false;
        }
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["api", "chats", _, "attachments"] => true,
            ["chats", _, "attachments" or "messages"] => true,
            _ => false,
        };
    }

    /// <summary>The chat of the send form posted by the browser (not the API, not an upload), or null.</summary>
    public static string? SendFormChat(HttpRequest request) =>
        (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries) is ["chats", var chatId, "messages"] ? chatId : null;

    /// <summary>Lets a request that carries a file be as large as one file and its envelope.</summary>
    public static void AllowFileSize(HttpContext context, AttachmentOptions options)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The cap itself is applied as the file streams in; this leaves room to read a refused body to its end.
            limit.MaxRequestBodySize = options.DrainBytes;
        }
    }

    /// <summary>
    /// Reads the multipart body up to its <c>file</c> field and uploads that file as it streams in; a chat the caller is
    /// not in is refused before any of it is read.
    /// </summary>
    public static async Task<(Attachment? Attachment, ChatResult.Refused? Refusal)> ReceiveAsync(
        HttpRequest request, AttachmentService attachments, ChatService chats, string userId, string chatId, CancellationToken ct)
    {
        if (await chats.FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return (null, new ChatResult.NotFound());
        }
        if (request.ContentLength > attachments.Options.MaxRequestBytes)
        {
            return (null, await TooLargeAsync(request, attachments));
        }
        var noFile = new ChatResult.Invalid("Send a file: multipart/form-data with the file in a field named \"file\".", FileField);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return (null, noFile);
        }
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (section.GetContentDispositionHeader() is { } disposition && disposition.IsFileDisposition()
                    && disposition.Name.Value == FileField)
                {
                    var name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    var uploaded = await attachments.UploadAsync(userId, chat, name, section.Body, ct);
                    return uploaded.Refusal is ChatResult.TooLarge ? (null, await TooLargeAsync(request, attachments)) : uploaded;
                }
            }
            return (null, noFile);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, await TooLargeAsync(request, attachments));
        }
        catch (Exception e) when (e is IOException or InvalidDataException && !ct.IsCancellationRequested)
        {
            return (null, noFile);
        }
    }

    /// <summary>
    /// Refuses a file over the cap. A client sends its whole body before it reads the answer, so the rest of the body is
    /// read and thrown away, up to <see cref="AttachmentOptions.DrainBytes"/>; past that, the connection closes after the
    /// answer (a client still sending may then see the connection cut instead of the 413).
    /// </summary>
    public static async Task<ChatResult.Refused> TooLargeAsync(HttpRequest request, AttachmentService attachments)
    {
        var drain = attachments.Options.DrainBytes;
        if (request.ContentLength is { } declared && declared > drain)
        {
            request.HttpContext.Response.Headers.Connection = "close";
            return attachments.TooLarge();
        }
        try
        {
            var buffer = new byte[81920];
            while (await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted) > 0)
            {
            }
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            request.HttpContext.Response.Headers.Connection = "close";
        }
        return attachments.TooLarge();
    }

    /// <summary>
    /// The bytes, with what keeps them inert: <c>inline</c> only for raster images, a download for everything else,
    /// <c>nosniff</c>, a sandboxing policy, a name that cannot carry a path; and an ETag, ranges and long private caching,
    /// since an attachment's bytes never change.
    /// </summary>
    public static IResult Serve(HttpResponse response, Attachment attachment, Stream content, AttachmentPart part)
    {
        var thumbnail = part == AttachmentPart.Thumbnail;
        var contentType = thumbnail ? attachment.ThumbnailType ?? FileTypes.Binary : attachment.ContentType;
        var fileName = thumbnail ? Path.GetFileNameWithoutExtension(attachment.FileName) + FileTypes.ExtensionOf(contentType) : attachment.FileName;
        var disposition = new ContentDispositionHeaderValue(FileTypes.IsInlineImage(contentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(fileName);
        var headers = response.Headers;
        headers.ContentDisposition = disposition.ToString();
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = "private, max-age=31536000, immutable";
        var hash = thumbnail ? attachment.ThumbnailHash! : attachment.ContentHash;
        return Results.File(content, contentType == FileTypes.Text ? "text/plain; charset=utf-8" : contentType,
            lastModified: attachment.CreatedAt, entityTag: new EntityTagHeaderValue($"\"{hash}\""), enableRangeProcessing: true);
    }
}
