using HtmxChat.Web.Accounts;
using HtmxChat.Web.Attachments;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary>
/// Files in the browser: the send form's script uploads each file here as soon as it is chosen (so it can show progress)
/// and gets back the chip to show until the message is sent; the page's images and downloads are served from here.
/// </summary>
[Authorize]
public sealed class AttachmentsController(AttachmentService attachments, ChatService chats) : Controller
{
    [HttpPost("chats/{chatId}/attachments"), StreamedBody]
    public async Task<IActionResult> Upload(string chatId, CancellationToken ct)
    {
        var (attachment, refusal) = await AttachmentHttp.ReceiveAsync(Request, attachments, chats, User.UserId(), chatId, ct);
        if (refusal is not null)
        {
            // Said beside "Attach file" by the script.
            return StatusCode(refusal.Status, refusal.Detail);
        }
        return PartialView("~/Views/Chats/_PendingAttachment.cshtml", attachment);
    }

    [HttpGet("attachments/{id}")]
    public Task<IResult> Show(string id, CancellationToken ct) => ServeAsync(id, AttachmentPart.Content, ct);

    [HttpGet("attachments/{id}/thumbnail")]
    public Task<IResult> Thumbnail(string id, CancellationToken ct) => ServeAsync(id, AttachmentPart.Thumbnail, ct);

    private async Task<IResult> ServeAsync(string id, AttachmentPart part, CancellationToken ct) =>
        await attachments.OpenAsync(User.UserId(), id, part, ct) is { } found
            ? AttachmentHttp.Serve(Response, found.Attachment, found.Content, part)
            : Results.NotFound();

    /// <summary>Keeps model binding from reading the form, so the body is still there for the upload to stream.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    private sealed class StreamedBodyAttribute : Attribute, Microsoft.AspNetCore.Mvc.Filters.IResourceFilter
    {
        public void OnResourceExecuting(Microsoft.AspNetCore.Mvc.Filters.ResourceExecutingContext context)
        {
            var factories = context.ValueProviderFactories;
            foreach (var reader in factories.Where(f => f is Microsoft.AspNetCore.Mvc.ModelBinding.FormValueProviderFactory
                or Microsoft.AspNetCore.Mvc.ModelBinding.FormFileValueProviderFactory or Microsoft.AspNetCore.Mvc.ModelBinding.JQueryFormValueProviderFactory).ToList())
            {
                factories.Remove(reader);
            }
        }

        public void OnResourceExecuted(Microsoft.AspNetCore.Mvc.Filters.ResourceExecutedContext context)
        {
        }
    }
}
