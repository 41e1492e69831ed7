using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

/// <summary><c>/search?q=</c>: matches across the person's chats, newest first; each opens its chat at the message.</summary>
[Authorize, Route("search")]
public sealed class SearchController(ChatService chats) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(string? q, string? before, CancellationToken ct)
    {
        if (q is null)
        {
            return View(new SearchPageView(null, null, User.UserId(), User.TimeZone()));
        }
        var (page, refusal) = await chats.SearchAsync(User.UserId(), q, chatId: null, before, ChatService.DefaultSearchPageSize, ct);
        if (refusal is not null)
        {
            Response.StatusCode = refusal.Status;
            return View(new SearchPageView(q, null, User.UserId(), User.TimeZone(), refusal.Detail));
        }
        return View(new SearchPageView(q, page, User.UserId(), User.TimeZone()));
    }
}
