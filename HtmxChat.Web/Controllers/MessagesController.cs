using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;
using Htmx;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary>
/// Editing, deleting and reacting to a message in the browser. htmx swaps the message in place (the stream then brings
/// the same change to every tab); without JavaScript, Edit and Delete are pages and every post redirects to the chat.
/// </summary>
[Authorize, Route("chats/{chatId}/messages/{messageId}")]
public sealed class MessagesController(ChatService chats) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Show(string chatId, string messageId, CancellationToken ct) =>
        await FindAsync(chatId, messageId, ct) is { } message ? Fragment(View(message)) : NotFound();

    [HttpGet("edit")]
    public async Task<IActionResult> Edit(string chatId, string messageId, CancellationToken ct)
    {
        if (await FindAsync(chatId, messageId, ct) is not { } message)
        {
            return NotFound();
        }
        if (!message.IsActionable || message.SenderId != User.UserId())
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }
        return Form("_EditMessage", "EditMessage", new MessageFormView(View(message)));
    }

    [HttpPost("edit")]
    public async Task<IActionResult> EditMessage(string chatId, string messageId, [FromForm(Name = "content")] string? content, CancellationToken ct)
    {
        var result = await chats.EditAsync(User.UserId(), chatId, messageId, content, ct);
        return await AnswerAsync(result, chatId, messageId, (message, refused) =>
            Form("_EditMessage", "EditMessage", new MessageFormView(View(message), content, refused.Detail)), ct);
    }

    [HttpGet("delete")]
    public async Task<IActionResult> Delete(string chatId, string messageId, CancellationToken ct) =>
        await FindAsync(chatId, messageId, ct) is { } message
            ? Form("_DeleteMessage", "DeleteMessage", new MessageFormView(View(message)))
            : NotFound();

    [HttpPost("delete")]
    public async Task<IActionResult> DeleteMessage(string chatId, string messageId, CancellationToken ct)
    {
        var result = await chats.DeleteAsync(User.UserId(), User.IsInRole(Roles.Admin), chatId, messageId, ct);
        return await AnswerAsync(result, chatId, messageId, (message, refused) =>
            Form("_DeleteMessage", "DeleteMessage", new MessageFormView(View(message), Error: refused.Detail)), ct);
    }

    [HttpPost("reactions")]
    public async Task<IActionResult> React(string chatId, string messageId, [FromForm] string? reaction, [FromForm] bool on, CancellationToken ct)
    {
        var result = await chats.ReactAsync(User.UserId(), User.UserName(), chatId, messageId, reaction, on, ct);
        if (result is ChatResult.Done done)
        {
            // The stream shows the new counts in every tab, this one included.
            return Request.IsHtmx() ? NoContent() : BackToChat(chatId, done.Message);
        }
        var refused = (ChatResult.Refused)result;
        return refused.Status == StatusCodes.Status404NotFound ? NotFound() : StatusCode(refused.Status, refused.Detail);
    }

    /// <summary>
    /// A saved edit or deletion: the message as it now is (htmx), or back to the chat. A refused one: its form again, with
    /// the reason and the refusal's status.
    /// </summary>
    private async Task<IActionResult> AnswerAsync(ChatResult result, string chatId, string messageId, Func<Message, ChatResult.Refused, IActionResult> formAgain, CancellationToken ct)
    {
        if (result is ChatResult.Done done)
        {
            return Request.IsHtmx() ? Fragment(View(done.Message)) : BackToChat(chatId, done.Message);
        }
        if (await FindAsync(chatId, messageId, ct) is not { } message)
        {
            return NotFound();
        }
        var refused = (ChatResult.Refused)result;
        Response.StatusCode = refused.Status;
        return formAgain(message, refused);
    }

    private async Task<Message?> FindAsync(string chatId, string messageId, CancellationToken ct) =>
        await chats.FindMessageAsync(User.UserId(), chatId, messageId, ct);

    private MessageView View(Message message) => new(message, User.TimeZone(), User.UserId());

    // The views live with the chat page's, in Views/Chats.
    private PartialViewResult Fragment(MessageView message)
    {
        Response.Headers.Vary = "HX-Request";
        return PartialView("~/Views/Chats/_Message.cshtml", message);
    }

    /// <summary>The form swapped into the log for htmx; a page of its own without JavaScript.</summary>
    private IActionResult Form(string partial, string page, MessageFormView model)
    {
        Response.Headers.Vary = "HX-Request";
        return Request.IsHtmx() ? PartialView($"~/Views/Chats/{partial}.cshtml", model) : View($"~/Views/Chats/{page}.cshtml", model);
    }

    private RedirectResult BackToChat(string chatId, Message message) => Redirect($"/chats/{chatId}?at={message.Seq}#m-{message.Seq}");
}
