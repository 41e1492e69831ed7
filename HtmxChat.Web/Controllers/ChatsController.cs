using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;
using Htmx;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary>The chat pages. htmx requests get the fragment they swap; plain form posts redirect (post/redirect/get).</summary>
[Authorize, Route("chats")]
public sealed class ChatsController(ChatService chats, UserManager<ChatUser> users) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View("Chat", await PageAsync(null, null, null, ct));

    [HttpPost("")]
    public async Task<IActionResult> Start(StartChatForm form, CancellationToken ct)
    {
        var creator = await users.GetUserAsync(User);
        if (creator is null)
        {
            return Challenge();
        }
        var result = await chats.StartChatAsync(creator, ChatService.ParseParticipants(form.Participants), form.Title, ct);
        if (result is StartChatResult.Started started)
        {
            return RedirectToAction(nameof(Detail), new { id = started.Chat.Id });
        }
        var invalid = (StartChatResult.Invalid)result;
        ModelState.AddModelError(invalid.Field, invalid.Error);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View("Chat", await PageAsync(null, null, null, ct) with { StartChat = form });
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Detail(string id, long? before, CancellationToken ct)
    {
        if (ChatService.ValidatePaging(before, after: null, limit: null) is not null)
        {
            return BadRequest();
        }
        var chat = await chats.FindChatAsync(User.UserId(), id, ct);
        if (chat is null)
        {
            return NotFound();
        }
        if (before is null)
        {
            await chats.MarkReadAsync(User.UserId(), chat, chat.LastSeq, ct);
        }
        return View("Chat", await PageAsync(chat, before, new SendFormView(id), ct));
    }

    /// <summary>Older messages for the top of the conversation; without htmx, the page showing them.</summary>
    [HttpGet("{id}/messages")]
    public async Task<IActionResult> Older(string id, long before, CancellationToken ct)
    {
        if (!Request.IsHtmx())
        {
            return RedirectToAction(nameof(Detail), new { id, before });
        }
        Response.Headers.Vary = "HX-Request";
        if (ChatService.ValidatePaging(before, after: null, limit: null) is not null)
        {
            return BadRequest();
        }
        var page = await chats.GetMessagesAsync(User.UserId(), id, before, after: null, ChatService.DefaultPageSize, ct);
        return page is null ? NotFound() : PartialView("_MessagesPage", new MessagesPageView(id, page, User.TimeZone(), User.UserId()));
    }

    [HttpPost("{id}/messages")]
    public async Task<IActionResult> Send(string id, [FromForm(Name = "content")] string? content, CancellationToken ct)
    {
        var result = await chats.SendAsync(User.UserId(), User.UserName(), id, content, ct);
        if (result is ChatResult.Done && !Request.IsHtmx())
        {
            return RedirectToAction(nameof(Detail), new { id });
        }
        var (status, form) = result is ChatResult.Refused refused
            ? (refused.Status, new SendFormView(id, content, refused.Detail))
            : (StatusCodes.Status200OK, new SendFormView(id));
        if (result is ChatResult.RateLimited wait)
        {
            Response.Headers.RetryAfter = wait.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Response.StatusCode = status;
        if (Request.IsHtmx())
        {
            // The stream delivers the sent message to this tab like to every other, so the form is all that changes here.
            return PartialView("_SendForm", form);
        }
        if (status == StatusCodes.Status404NotFound)
        {
            return NotFound();
        }
        var chat = await chats.FindChatAsync(User.UserId(), id, ct);
        return View("Chat", await PageAsync(chat, null, form, ct));
    }

    private async Task<ChatPageView> PageAsync(Chat? open, long? before, SendFormView? sendForm, CancellationToken ct)
    {
        var userId = User.UserId();
        var list = await chats.ListChatsAsync(userId, ct);
        var messages = open is null ? null : await chats.GetMessagesAsync(userId, open, before, after: null, ChatService.DefaultPageSize, ct);
        return new ChatPageView(list, userId, User.TimeZone(), new StartChatForm(), open, messages, sendForm, ShowingOlder: before is not null);
    }
}
