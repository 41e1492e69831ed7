using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

public sealed class HomeController : Controller
{
    [HttpGet("/")]
    public IActionResult Index() => User.Identity?.IsAuthenticated == true
        ? RedirectToAction(nameof(ChatsController.Index), "Chats")
        : RedirectToAction(nameof(AccountController.Login), "Account");

    // Any method: status pages re-execute the failed request (a POST too) here, so its token is not checked again.
    [Route("/error/{status:int}"), IgnoreAntiforgeryToken]
    public IActionResult Error(int status)
    {
        Response.StatusCode = status is >= 400 and < 600 ? status : StatusCodes.Status500InternalServerError;
        return View("~/Views/Error/Error.cshtml", Response.StatusCode);
    }
}
