using HtmxChat.Web.Accounts;
using HtmxChat.Web.Attachments;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Storage;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;
using Htmx;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary>The chat pages. htmx requests get the fragment they swap; plain form posts redirect (post/redirect/get).</summary>
[Authorize, Route("chats")]
public sealed class ChatsController(ChatService chats, AttachmentService attachments, UserManager<ChatUser> users, IUserRepository people, IPresenceDirectory presence) : Controller
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

    /// <summary>
    /// The conversation: the newest messages, or those before <paramref name="before"/>, or those around <paramref name="at"/>
    /// (a quoted message, a search hit). <paramref name="replyTo"/> opens the form as a reply, for browsers without JavaScript.
    /// </summary>
    [HttpGet("{id}")]
    public async Task<IActionResult> Detail(string id, long? before, long? at, string? replyTo, bool fileTooLarge, CancellationToken ct)
    {
        if (ChatService.ValidatePaging(before, after: null, limit: null, around: at) is not null)
        {
            return BadRequest();
        }
        var chat = await chats.FindChatAsync(User.UserId(), id, ct);
        if (chat is null)
        {
            return NotFound();
        }
        var sendForm = await SendFormAsync(id, replyTo, ct);
        if (fileTooLarge)
        {
            sendForm = sendForm with { FileError = attachments.TooLarge().Detail };
        }
        var window = at is { } seq ? await chats.GetMessagesAroundAsync(User.UserId(), chat, seq, ChatService.DefaultPageSize, ct) : null;
        // Opened at one of the newest messages, the page is the live conversation, only scrolled to that message.
        var atLatest = window is { HasMoreAfter: false };
        if (before is null && (at is null || atLatest))
        {
            await chats.MarkReadAsync(User.UserId(), chat, chat.LastSeq, ct);
        }
        if (window is not null)
        {
            var page = await PageAsync(chat, null, sendForm, ct);
            return View("Chat", page with { Messages = new MessagePage(window.Messages, window.HasMoreBefore), ShowingOlder = !atLatest, At = Math.Min(at!.Value, Math.Max(1, chat.LastSeq)), HasNewer = window.HasMoreAfter });
        }
        return View("Chat", await PageAsync(chat, before, sendForm, ct));
    }

    /// <summary>
    /// People whose username starts with <paramref name="q"/> (not the caller), for the Participants and Add people
    /// suggestions: the username and whether they are online, nothing else.
    /// </summary>
    [HttpGet("/people")]
    public async Task<IActionResult> People(string? q, [FromServices] ILookupNormalizer normalizer, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > 32)
        {
            return Json(Array.Empty<object>());
        }
        var found = (await people.SearchByUserNamePrefixAsync(normalizer.NormalizeName(q.Trim()), 9, ct)).Where(u => u.Id != User.UserId()).Take(8).ToList();
        var online = await presence.OnlineAmongAsync([.. found.Select(u => u.Id)]);
        return Json(found.Select(u => new { username = u.UserName, online = online.Contains(u.Id) }));
    }

    /// <summary>The send form, as a reply to <paramref name="replyTo"/> when that is a message people can answer.</summary>
    [HttpGet("{id}/send-form")]
    public async Task<IActionResult> SendForm(string id, string? replyTo, CancellationToken ct)
    {
        Response.Headers.Vary = "HX-Request";
        if (await chats.FindChatAsync(User.UserId(), id, ct) is null)
        {
            return NotFound();
        }
        return Request.IsHtmx() ? PartialView("_SendForm", await SendFormAsync(id, replyTo, ct)) : RedirectToAction(nameof(Detail), new { id, replyTo });
    }

    private static bool IsAboutFiles(ChatResult.Refused refused) =>
        refused is ChatResult.Invalid { Field: "attachments" or AttachmentHttp.FileField } or ChatResult.TooLarge or ChatResult.UnsupportedType;

    private async Task<SendFormView> SendFormAsync(string chatId, string? replyTo, CancellationToken ct) =>
        replyTo is { Length: > 0 } && await chats.FindMessageAsync(User.UserId(), chatId, replyTo, ct) is { IsActionable: true } original
            ? new SendFormView(chatId, ReplyTo: ReplyRef.Of(original))
            : new SendFormView(chatId);

    /// <summary>
    /// Older messages for the top of the conversation (<paramref name="before"/>), or newer ones for its bottom when it was
    /// opened at a message (<paramref name="after"/>); without htmx, the page showing them.
    /// </summary>
    [HttpGet("{id}/messages")]
    public async Task<IActionResult> Older(string id, long? before, long? after, CancellationToken ct)
    {
        if (!Request.IsHtmx())
        {
            return after is { } seq ? RedirectToAction(nameof(Detail), new { id, at = seq + 1 }) : RedirectToAction(nameof(Detail), new { id, before });
        }
        Response.Headers.Vary = "HX-Request";
        if ((before is null) == (after is null) || ChatService.ValidatePaging(before, after, limit: null) is not null)
        {
            return BadRequest();
        }
        var page = await chats.GetMessagesAsync(User.UserId(), id, before, after, ChatService.DefaultPageSize, ct);
        return page is null ? NotFound() : PartialView("_MessagesPage", new MessagesPageView(id, page, User.TimeZone(), User.UserId(), Newer: after is not null));
    }

    [HttpPost("{id}/messages")]
    public async Task<IActionResult> Send(
        string id, [FromForm(Name = "content")] string? content, [FromForm(Name = "replyTo")] string? replyTo,
        [FromForm(Name = "attachments")] List<string>? attachmentIds, [FromForm(Name = AttachmentHttp.FileField)] List<IFormFile>? files, CancellationToken ct)
    {
        replyTo = string.IsNullOrEmpty(replyTo) ? null : replyTo;
        var ids = attachmentIds?.Where(a => a.Length > 0).ToList() ?? [];
        // Without JavaScript the files come with the form: uploaded here, then sent like those uploaded ahead.
        ChatResult.Refused? fileRefused = null;
        foreach (var file in files?.Where(f => f.Length > 0 || f.FileName.Length > 0) ?? [])
        {
            await using var stream = file.OpenReadStream();
            var (uploaded, refusal) = await attachments.UploadAsync(User.UserId(), id, file.FileName, stream, ct);
            if (refusal is not null)
            {
                fileRefused = refusal;
                break;
            }
            ids.Add(uploaded!.Id);
        }
        var result = fileRefused ?? await chats.SendAsync(User.UserId(), User.UserName(), id, content, replyTo, ids, ct);
        if (result is ChatResult.Done && !Request.IsHtmx())
        {
            return RedirectToAction(nameof(Detail), new { id });
        }
        var (status, form) = result is ChatResult.Refused refused
            ? (refused.Status, await SendFormAsync(id, replyTo, ct) with
            {
                Content = content,
                Error = IsAboutFiles(refused) ? null : refused.Detail,
                FileError = IsAboutFiles(refused) ? refused.Detail : null,
                Pending = await attachments.PendingAsync(User.UserId(), id, ids, ct),
            })
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

    /// <summary>The tab's "I am typing" (site.js sends it at most every 3 seconds while the person types).</summary>
    [HttpPost("{id}/typing")]
    public async Task<IActionResult> Typing(string id, CancellationToken ct) =>
        await chats.TypingAsync(User.UserId(), User.UserName(), id, ct) switch
        {
            null => NoContent(),
            ChatResult.RateLimited => StatusCode(StatusCodes.Status429TooManyRequests),
            _ => NotFound(),
        };

    [HttpPost("{id}/notifications")]
    public async Task<IActionResult> Notifications(string id, [FromForm(Name = "level")] string? level, CancellationToken ct) =>
        await chats.SetNotificationsAsync(User.UserId(), id, level, ct) switch
        {
            null when Request.IsHtmx() => NoContent(),
            null => RedirectToAction(nameof(Detail), new { id }),
            ChatResult.NotFound => NotFound(),
            _ => BadRequest(),
        };

    [HttpPost("{id}/title")]
    public async Task<IActionResult> Rename(string id, [FromForm(Name = ChatDetailsForm.TitleField)] string? title, CancellationToken ct) =>
        await DetailsChangedAsync(id, await chats.RenameAsync(User.UserId(), User.UserName(), id, title, ct), new ChatDetailsForm(Title: title ?? "", Open: true), ct);

    /// <summary>Adds people to a group chat; in a direct chat, starts a new group chat with both people and them, as Slack does.</summary>
    [HttpPost("{id}/people")]
    public async Task<IActionResult> AddPeople(string id, [FromForm(Name = ChatDetailsForm.PeopleField)] string? usernames, CancellationToken ct)
    {
        var names = ChatService.ParseParticipants(usernames);
        if (await chats.FindChatAsync(User.UserId(), id, ct) is { DirectKey: not null } direct && names.Count > 0)
        {
            var creator = await users.GetUserAsync(User);
            var started = await chats.StartChatAsync(creator!, [.. direct.Participants.Select(p => p.UserName), .. names], title: null, ct);
            if (started is StartChatResult.Started group)
            {
                return RedirectToAction(nameof(Detail), new { id = group.Chat.Id });
            }
            var invalid = (StartChatResult.Invalid)started;
            return await DetailsChangedAsync(id, new ChatUpdateResult.Refused(new ChatResult.Invalid(invalid.Error)), new ChatDetailsForm(Usernames: usernames, Open: true), ct);
        }
        return await DetailsChangedAsync(id, await chats.AddPeopleAsync(User.UserId(), User.UserName(), id, names, ct), new ChatDetailsForm(Usernames: usernames, Open: true), ct);
    }

    /// <summary>The creator or an admin removes someone: htmx gets 204 (the live feed updates every open panel), a plain form a redirect.</summary>
    [HttpPost("{id}/people/{personId}/remove")]
    public async Task<IActionResult> RemovePerson(string id, string personId, CancellationToken ct)
    {
        var result = await chats.RemovePersonAsync(User.UserId(), User.UserName(), User.IsInRole(Roles.Admin), id, personId, ct);
        return Request.IsHtmx() && result is ChatUpdateResult.Updated ? NoContent() : await DetailsChangedAsync(id, result, new ChatDetailsForm(Open: true), ct);
    }

    [HttpPost("{id}/leave")]
    public async Task<IActionResult> Leave(string id, CancellationToken ct) =>
        await chats.RemovePersonAsync(User.UserId(), User.UserName(), User.IsInRole(Roles.Admin), id, User.UserId(), ct) switch
        {
            ChatUpdateResult.Updated => RedirectToAction(nameof(Index)),
            var refused => await DetailsChangedAsync(id, refused, new ChatDetailsForm(Open: true), ct),
        };

    /// <summary>Back to the chat after a change to it; a refusal shows beside the field it concerns, in the open panel.</summary>
    private async Task<IActionResult> DetailsChangedAsync(string id, ChatUpdateResult result, ChatDetailsForm form, CancellationToken ct)
    {
        if (result is ChatUpdateResult.Updated)
        {
            return RedirectToAction(nameof(Detail), new { id });
        }
        var reason = ((ChatUpdateResult.Refused)result).Reason;
        if (reason is ChatResult.NotFound || await chats.FindChatAsync(User.UserId(), id, ct) is not { } chat)
        {
            return NotFound();
        }
        ModelState.AddModelError(form.Title is not null ? ChatDetailsForm.TitleField : ChatDetailsForm.PeopleField, reason.Detail);
        Response.StatusCode = reason.Status;
        return View("Chat", await PageAsync(chat, null, new SendFormView(id), ct) with { Details = form });
    }

    private async Task<ChatPageView> PageAsync(Chat? open, long? before, SendFormView? sendForm, CancellationToken ct)
    {
        var userId = User.UserId();
        var list = await chats.ListChatsAsync(userId, ct);
        var messages = open is null ? null : await chats.GetMessagesAsync(userId, open, before, after: null, ChatService.DefaultPageSize, ct);
        return new ChatPageView(list, userId, User.TimeZone(), new StartChatForm(), open, messages, sendForm, ShowingOlder: before is not null)
        {
            Presence = open is null ? null : await PresenceOfAsync(open, ct),
        };
    }

    /// <summary>Whether each of the chat's people is online, and when each was last seen.</summary>
    private async Task<IReadOnlyDictionary<string, PersonPresence>> PresenceOfAsync(Chat chat, CancellationToken ct)
    {
        var ids = chat.Participants.Select(p => p.UserId).ToList();
        var online = await presence.OnlineAmongAsync(ids);
        var seen = (await people.FindByIdsAsync(ids, ct)).ToDictionary(u => u.Id, u => u.LastSeenAt);
        return ids.ToDictionary(id => id, id => new PersonPresence(online.Contains(id), seen.GetValueOrDefault(id)));
    }
}
