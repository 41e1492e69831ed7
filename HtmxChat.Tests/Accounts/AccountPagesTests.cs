using System.Net;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Controllers;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Accounts;

public sealed class AccountPagesTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task RootSendsAVisitorToTheLoginPage()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task ChatsNeedSignInAndComeBackAfterIt()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.GetAsync("/chats");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login?ReturnUrl=%2Fchats", response.Headers.Location?.PathAndQuery);
    }

    [Fact]
    public async Task RegisteringSignsInAndLandsOnChats()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();

        using var response = await browser.RegisterAsync(name, timeZone: "Asia/Kolkata");
        var chats = await browser.GetPageAsync("/chats");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/chats", response.Headers.Location?.OriginalString);
        Assert.Contains($">{name}</span>", chats);
        Assert.Contains(">Log out</button>", chats);
    }

    [Fact]
    public async Task AuthCookieIsHttpOnlySameSiteAndSecure()
    {
        using var browser = app.Browser();

        using var response = await browser.RegisterAsync(BrowserClient.UniqueName());

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("htmxchat.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InvalidRegistrationShowsErrorsBesideTheFieldsAndKeepsTypedValuesButNotThePassword()
    {
        using var browser = app.Browser();

        using var response = await browser.PostFormAsync("/account/register", "/account/register",
        [
            new("Username", "a b"), new("Email", "not-an-email"), new("Password", "short-but-kept?"), new("TimeZone", "Mars/Olympus"),
        ]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("id=\"Username-error\">Use 3 to 32 letters", html);
        Assert.Contains("id=\"Email-error\">Enter a valid email address.", html);
        Assert.Contains("id=\"TimeZone-error\">Choose a time zone", html);
        Assert.Contains("value=\"a b\"", html);
        Assert.Contains("value=\"not-an-email\"", html);
        Assert.DoesNotContain("short-but-kept?", html);
    }

    [Fact]
    public async Task UsernamesAreUniqueWithoutRegardToCase()
    {
        using var first = app.Browser();
        using var second = app.Browser();
        var name = BrowserClient.UniqueName("Case");
        await first.RegisterAsync(name);

        using var response = await second.RegisterAsync(name.ToUpperInvariant(), email: $"other.{name}@example.com");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("id=\"Username-error\">That username is taken.", html);
    }

    [Fact]
    public async Task LogOutThenLogInAgainWithAnyCaseOfTheUsername()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name, password: "long enough pw");

        using var logout = await browser.LogOutAsync();
        using var afterLogout = await browser.Http.GetAsync("/chats");
        using var login = await browser.LogInAsync(name.ToUpperInvariant(), "long enough pw");

        Assert.Equal("/account/login", logout.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, afterLogout.StatusCode);
        Assert.Equal("/chats", login.Headers.Location?.OriginalString);
        Assert.Contains($">{name}</span>", await browser.GetPageAsync("/chats"));
    }

    [Fact]
    public async Task UnknownUserAndWrongPasswordGetTheSameAnswer()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name);
        await browser.LogOutAsync();

        using var wrongPassword = await browser.LogInAsync(name, "wrong password");
        using var unknownUser = await browser.LogInAsync(BrowserClient.UniqueName("ghost"), "wrong password");

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.StatusCode);
        Assert.Equal(wrongPassword.StatusCode, unknownUser.StatusCode);
        Assert.Contains(AccountController.LoginFailed, await wrongPassword.Content.ReadAsStringAsync());
        Assert.Contains(AccountController.LoginFailed, await unknownUser.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FiveFailedLoginsLockTheAccountEvenForTheRightPassword()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name, password: "the right one");
        await browser.LogOutAsync();

        for (var i = 0; i < 5; i++)
        {
            using var failed = await browser.LogInAsync(name, "not it at all");
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }
        using var locked = await browser.LogInAsync(name, "the right one");

        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
        var users = app.Factory.Services.GetRequiredService<IUserRepository>();
        var stored = await users.FindByNormalizedUserNameAsync(name.ToUpperInvariant());
        Assert.True(stored?.LockoutEnd > DateTimeOffset.UtcNow.AddMinutes(4));
    }

    [Fact]
    public async Task LoginFollowsOnlyALocalReturnUrl()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name, password: "long enough pw");
        await browser.LogOutAsync();

        using var local = await browser.PostFormAsync("/account/login", "/account/login",
            [new("Username", name), new("Password", "long enough pw"), new("ReturnUrl", "/chats?x=1")]);
        await browser.LogOutAsync();
        using var external = await browser.PostFormAsync("/account/login", "/account/login",
            [new("Username", name), new("Password", "long enough pw"), new("ReturnUrl", "https://evil.example/")]);

        Assert.Equal("/chats?x=1", local.Headers.Location?.OriginalString);
        Assert.Equal("/chats", external.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AFormPostWithoutAntiforgeryTokenIsRefused()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.PostAsync("/account/register",
            new FormUrlEncodedContent([new("Username", "forged"), new("Email", "forged@example.com"), new("Password", "long enough pw")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var users = app.Factory.Services.GetRequiredService<IUserRepository>();
        Assert.Null(await users.FindByNormalizedUserNameAsync("FORGED"));
    }

    [Fact]
    public async Task AnHtmxRequestWithoutSignInGets401InsteadOfTheLoginPage()
    {
        using var browser = app.Browser();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chats");
        request.Headers.Add("HX-Request", "true");

        using var response = await browser.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.GetValues("HX-Redirect").Single().Replace("https://localhost", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PasswordsAreHashedWithPbkdf2At210000Iterations()
    {
        using var browser = app.Browser();
        var name = BrowserClient.UniqueName();
        await browser.RegisterAsync(name);

        var users = app.Factory.Services.GetRequiredService<IUserRepository>();
        var hash = Convert.FromBase64String((await users.FindByNormalizedUserNameAsync(name.ToUpperInvariant()))!.PasswordHash!);

        // Identity's v3 format: marker 0x01, PRF, iteration count, salt length (each a big-endian uint), salt, subkey.
        Assert.Equal(0x01, hash[0]);
        Assert.Equal(210_000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(5, 4)));
    }

    [Fact]
    public async Task PagesForbidInlineScriptAndFraming()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.GetAsync("/account/login");

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
    }

    [Fact]
    public async Task APageAllowsTheInlineStyleItWritesAndAnAnswerWithoutOneAllowsNone()
    {
        using var browser = app.Browser();

        using var page = await browser.Http.GetAsync("/account/login");
        using var health = await browser.Http.GetAsync("/health");

        var pageCsp = page.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(pageCsp, "style-src 'self' 'nonce-([0-9A-F]{32})'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        // htmx's own inline styles carry it.
        Assert.Contains($"\"inlineStyleNonce\":\"{nonce}\"", await page.Content.ReadAsStringAsync());
        var healthCsp = health.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("style-src 'self';", healthCsp);
        Assert.DoesNotContain("nonce", healthCsp);
    }

    [Theory]
    [InlineData("/lib/bootstrap/css/bootstrap.min.css")]
    [InlineData("/lib/htmx/htmx.min.js")]
    [InlineData("/lib/htmx-ext-sse/sse.min.js")]
    [InlineData("/_htmx/antiforgery.js")]
    public async Task FrontEndPackagesAreServedAsBrowsersAskForThem(string path)
    {
        using var browser = app.Browser();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Accept-Encoding", "gzip, deflate, br");

        using var response = await browser.Http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.Length > 500, $"{path} answered {body.Length} bytes");
    }

    [Fact]
    public async Task HealthReportsReachableStorage()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var health = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.False(health.RootElement.GetProperty("checks").TryGetProperty("redis", out _), "No Redis is configured, so none is checked.");
    }

    [Fact]
    public async Task AFormPostedWithAStaleTokenGetsTheErrorPageNotABlankAnswer()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.PostAsync("/account/login",
            new FormUrlEncodedContent([new("Username", "x"), new("Password", "y"), new("__RequestVerificationToken", "stale")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Bad request", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUnknownPageIsANotFoundPage()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.GetAsync("/no/such/page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync());
    }
}
