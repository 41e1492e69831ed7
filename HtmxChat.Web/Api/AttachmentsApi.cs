using HtmxChat.Web.Accounts;
using HtmxChat.Web.Attachments;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HtmxChat.Web.Api;

public static class AttachmentsApi
{
    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/chats/{chatId}/attachments", UploadAsync).WithName("UploadAttachment").WithTags("Attachments")
            .RequireAuthorization(ApiAuthentication.Policy)
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Upload a file into a chat")
            .WithDescription("`multipart/form-data` with the file in the field `file`, at most 25 MB (`Attachments:MaxBytes`). The type is decided by the " +
                "file's bytes; a name that claims another image or PDF type is refused with 415. Images get `width`, `height` and a thumbnail, and lose " +
                "their metadata (EXIF, GPS, XMP). The upload is the caller's until a message names it in `attachments`; unsent uploads are removed after a day.");
        var files = app.MapGroup("/api/attachments").WithTags("Attachments").RequireAuthorization(ApiAuthentication.Policy);
        files.MapGet("/{id}", (string id, HttpContext http, AttachmentService attachments, CancellationToken ct) => ServeAsync(id, AttachmentPart.Content, http, attachments, ct))
            .WithName("GetAttachment").WithSummary("An attachment's bytes")
            .WithDescription("`inline` only for PNG, JPEG, GIF and WebP; every other type is a download. Supports `Range` (206) and `If-None-Match` (304). " +
                "404 for anyone outside the chat, exactly as for an unknown id.");
        files.MapGet("/{id}/thumbnail", (string id, HttpContext http, AttachmentService attachments, CancellationToken ct) => ServeAsync(id, AttachmentPart.Thumbnail, http, attachments, ct))
            .WithName("GetAttachmentThumbnail").WithSummary("An image's thumbnail (at most 400 px on the long side)");
        return app;
    }

    private static async Task<Results<Created<AttachmentResponse>, ValidationProblem, ProblemHttpResult>> UploadAsync(
        string chatId, HttpContext http, AttachmentService attachments, ChatService chats, CancellationToken ct)
    {
        var (attachment, refusal) = await AttachmentHttp.ReceiveAsync(http.Request, attachments, chats, http.User.UserId(), chatId, ct);
        return refusal switch
        {
            null => TypedResults.Created($"/api/attachments/{attachment!.Id}", AttachmentResponse.From(attachment)),
            ChatResult.Invalid invalid => ApiProblems.Validation(invalid.Field, invalid.Detail),
            _ => ApiProblems.Refused(refusal),
        };
    }

    private static async Task<IResult> ServeAsync(string id, AttachmentPart part, HttpContext http, AttachmentService attachments, CancellationToken ct) =>
        await attachments.OpenAsync(http.User.UserId(), id, part, ct) is { } found
            ? AttachmentHttp.Serve(http.Response, found.Attachment, found.Content, part)
            : ApiProblems.NotFound("attachment");
}
