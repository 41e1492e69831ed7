using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HtmxChat.Web.Controllers;

[Route("account")]
public sealed class AccountController(AccountService accounts, LoginRateLimiter loginLimit, IChatEventBus events, UserManager<ChatUser> users) : Controller
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

    [Authorize, HttpGet("profile")]
    public async Task<IActionResult> Profile(string? saved)
    {
        if (await users.FindByIdAsync(User.UserId()) is not { } user)
        {
            return NotFound();
        }
        var profile = new ProfileForm { Email = user.Email, Gender = user.Gender, TimeZone = user.TimeZone };
        return View(new ProfilePage(profile, new PasswordForm(), saved switch
        {
            "profile" => "Profile saved.",
            "password" => "Password changed. Your other sessions have been signed out.",
            _ => null,
        }));
    }

    [Authorize, HttpPost("profile")]
    public async Task<IActionResult> Profile([Bind(Prefix = nameof(ProfilePage.Profile))] ProfileForm form)
    {
        if (await users.FindByIdAsync(User.UserId()) is not { } user)
        {
            return NotFound();
        }
        var result = await accounts.UpdateProfileAsync(user, new ProfileInput(form.Email ?? "", form.TimeZone ?? "", form.Gender ?? ""));
        if (result.Succeeded)
        {
            return RedirectToAction(nameof(Profile), new { saved = "profile" });
        }
        return Refused(result, nameof(ProfilePage.Profile), new ProfilePage(form, new PasswordForm(), null));
    }

    [Authorize, HttpPost("password")]
    public async Task<IActionResult> ChangePassword([Bind(Prefix = nameof(ProfilePage.Password))] PasswordForm form)
    {
        if (await users.FindByIdAsync(User.UserId()) is not { } user)
        {
            return NotFound();
        }
        var session = User.SessionId();
        var result = await accounts.ChangePasswordAsync(user, form.CurrentPassword, form.NewPassword, session);
        if (result.Succeeded)
        {
            await accounts.RenewSignInAsync(user, session);
            return RedirectToAction(nameof(Profile), new { saved = "password" });
        }
        var profile = new ProfileForm { Email = user.Email, Gender = user.Gender, TimeZone = user.TimeZone };
        return Refused(result, nameof(ProfilePage.Password), new ProfilePage(profile, new PasswordForm(), null));
    }

    /// <summary>The profile page again, with each error beside its field (fields are named <c>Form.Field</c>).</summary>
    private ViewResult Refused(AccountResult result, string form, ProfilePage page)
    {
        ModelState.Clear();
        foreach (var (field, errors) in result.Errors)
        {
            foreach (var error in errors)
            {
                ModelState.AddModelError($"{form}.{field}", error);
            }
        }
        Response.StatusCode = result.IsConflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return View(nameof(Profile), page);
    }

    /// <summary>Whether the browser is still signed in: 204, or 401 (site.js asks when a stream fails).</summary>
    [Authorize, HttpGet("session")]
    public IActionResult Session() => NoContent();

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
