using System.Net;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Accounts;

/// <summary>
/// A browser's event stream authenticates itself instead of through the authentication middleware
/// (StreamAuthentication); every rule of the sign-in cookie holds for it as it does for a page.
/// </summary>
public sealed class StreamSignInTests : IDisposable
{
    private const string Page = "/chats";
    private const string Stream = "/chats/events";
    private const string Cookie = "htmxchat.auth";

    private readonly TempFolder _folder = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly AppFactory _app;
    private readonly List<BrowserClient> _browsers = [];

    public StreamSignInTests() => _app = new AppFactory(_folder.Path, services: s => s.AddSingleton<TimeProvider>(_clock));

    public void Dispose()
    {
        _browsers.ForEach(b => b.Dispose());
        _app.Dispose();
        _folder.Dispose();
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task ASignedInBrowserIsLetIn(string route)
    {
        var (browser, _) = await SignedInAsync();

        using var response = await AskAsync(browser.Http, route);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task WithoutASignInTheAnswerIs401(string route)
    {
        using var http = _app.CreateClient();

        using var response = await AskAsync(http, route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task ATamperedCookieIsNoSignIn(string route)
    {
        var (_, cookie) = await SignedInAsync();
        var tampered = cookie[..^4] + (cookie[^4] == 'A' ? 'B' : 'A') + cookie[^3..];
        using var http = _app.CreateClient();
        http.DefaultRequestHeaders.Add("Cookie", $"{Cookie}={tampered}");

        using var response = await AskAsync(http, route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task APasswordChangeElsewhereEndsTheSignIn(string route)
    {
        var (browser, _) = await SignedInAsync();
        var userId = await browser.UserIdAsync();
        using (var scope = _app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
            Assert.True((await users.ChangePasswordAsync((await users.FindByIdAsync(userId))!, "correct horse", "another horse")).Succeeded);
        }

        using var response = await AskAsync(browser.Http, route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task AnAdminLockEndsTheSignIn(string route)
    {
        var (browser, _) = await SignedInAsync();
        var userId = await browser.UserIdAsync();
        using (var scope = _app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            Assert.True((await accounts.LockAsync((await users.FindByIdAsync(userId))!, _clock.GetUtcNow().AddDays(1))).Succeeded);
        }

        using var response = await AskAsync(browser.Http, route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task ASignInPastHalfItsLifeIsRenewed(string route)
    {
        var (browser, _) = await SignedInAsync();
        _clock.Advance(TimeSpan.FromDays(8));

        using var response = await AskAsync(browser.Http, route);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith($"{Cookie}=", StringComparison.Ordinal));
    }

    [Theory, InlineData(Page), InlineData(Stream)]
    public async Task ASignInPastItsExpiryIsNoSignIn(string route)
    {
        var (browser, _) = await SignedInAsync();
        _clock.Advance(TimeSpan.FromDays(15));

        using var response = await AskAsync(browser.Http, route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>A browser signed in with a new account, and its sign-in cookie's value.</summary>
    private async Task<(BrowserClient Browser, string Cookie)> SignedInAsync()
    {
        var browser = new BrowserClient(_app.CreateClient());
        _browsers.Add(browser);
        using var registered = await browser.RegisterAsync(BrowserClient.UniqueName());
        var cookie = registered.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith($"{Cookie}=", StringComparison.Ordinal));
        return (browser, cookie[(Cookie.Length + 1)..cookie.IndexOf(';')]);
    }

    /// <summary>As an EventSource asks: a refusal is a 401, never a redirect. An open stream's body is left unread.</summary>
    private static Task<HttpResponseMessage> AskAsync(HttpClient http, string url) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead);
}
