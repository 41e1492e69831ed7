using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

[Authorize, Route("chats")]
public sealed class ChatsController : Controller
{
    [HttpGet("")]
    public IActionResult Index() => View();
}
