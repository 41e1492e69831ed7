using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

[Route("account")]
public sealed class AccountController(AccountService accounts, LoginRateLimiter loginLimit, IChatEventBus events) : Controller
{
    public const string LoginFailed = "Invalid username or password. After 5 failed attempts an account is locked for 5 minutes.";

    [HttpGet("login")]
    public IActionResult Login(string? returnUrl) =>
        User.Identity?.IsAuthenticated == true ? RedirectToLocal(returnUrl) : View(new LoginForm { ReturnUrl = returnUrl });

    [HttpPost("login")]
    public async Task<IActionResult> Login(LoginForm form)
    {
        if (await loginLimit.TryAcquireAsync(HttpContext) is { } wait)
        {
            ModelState.AddModelError(nameof(form.Password), LoginRateLimiter.TooManyAttempts(wait));
            form.Password = null;
            Response.Headers.RetryAfter = Chats.ChatResult.RetryAfterSecondsFor(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return View(form);
        }
        if (ModelState.IsValid && await accounts.SignInAsync(form.Username!, form.Password!))
        {
            return RedirectToLocal(form.ReturnUrl);
        }
        if (ModelState.IsValid)
        {
            ModelState.AddModelError(nameof(form.Password), LoginFailed);
        }
        form.Password = null;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return View(form);
    }

    [HttpGet("register")]
    public IActionResult Register() => View(new RegisterForm());

    [HttpPost("register")]
    public async Task<IActionResult> Register(RegisterForm form, CancellationToken ct)
    {
        var result = await accounts.RegisterAsync(new RegisterInput(form.Username, form.Email, form.Password, form.Gender, form.TimeZone), ct);
        if (result.Succeeded)
        {
            await accounts.SignInAsync(form.Username!, form.Password!);
            return RedirectToAction(nameof(ChatsController.Index), "Chats");
        }
        ModelState.Clear();
        foreach (var (field, errors) in result.Errors)
        {
            foreach (var error in errors)
            {
                ModelState.AddModelError(field, error);
            }
        }
        form.Password = null;
        Response.StatusCode = result.IsConflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return View(form);
    }

    [Authorize, HttpPost("logout")]
    public async Task<IActionResult> Logout()
    {
        if (User.SessionId() is { } session)
        {
            events.EndSession(User.UserId(), session);
        }
        await accounts.SignOutAsync();
        return RedirectToAction(nameof(Login));
    }

    private IActionResult RedirectToLocal(string? returnUrl) =>
        Url.IsLocalUrl(returnUrl) ? LocalRedirect(returnUrl) : RedirectToAction(nameof(ChatsController.Index), "Chats");
}
