using System.Collections.Concurrent;
using System.Net.WebSockets;
using HtmxChat.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Api;

/// <summary>
/// A connection that stays open for hours lets go of the credentials it was opened with once they are checked: an event
/// stream its token or sign-in cookie (and its query), the WebSocket its token, header or <c>?access_token=</c>. It
/// still carries everything after that.
/// </summary>
public sealed class OpenConnectionCredentialsTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly RequestsSeen _requests = new();
    private readonly AppFactory _app;

    public OpenConnectionCredentialsTests() =>
        _app = new AppFactory(_folder.Path, services: services => services.AddSingleton<IStartupFilter>(_requests));

    [Fact]
    public async Task AnApiStreamLetsGoOfItsTokenAndStillDelivers()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        var request = _requests.Of($"/api/chats/{chatId}/events");
        await Eventually.TrueAsync(() => request.Headers.Authorization.Count == 0, "the stream has let go of its token");

        (await ada.SendAsync(chatId, "still here")).Dispose();
        Assert.Contains("still here", (await stream.NextOfTypeAsync("message")).Data);
    }

    [Fact]
    public async Task ABrowsersStreamLetsGoOfItsCookieAndItsQuery()
    {
        using var browser = new BrowserClient(_app.CreateClient());
        (await browser.RegisterAsync(BrowserClient.UniqueName("ada"))).Dispose();
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await browser.StartChatAsync(bob.UserName);

        await using var stream = await EventStreamReader.OpenAsync(browser.Http, $"/chats/events?open={chatId}");
        var request = _requests.Of("/chats/events");
        await Eventually.TrueAsync(() => request.Headers.Cookie.Count == 0
            && request.HttpContext.Features.Get<IRequestCookiesFeature>() is null
            && !request.QueryString.HasValue, "the stream has let go of its cookie and query");

        (await bob.SendAsync(chatId, "still here")).Dispose();
        Assert.Contains("still here", (await stream.NextOfTypeAsync("chat-message")).Data);
    }

    /// <summary>On real Kestrel, whose request keeps the raw target it was sent, query and all.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWebSocketLetsGoOfItsTokenAndStillDelivers(bool tokenInQuery)
    {
        using var kestrel = KestrelApp.Start(_folder.Path, services: services => services.AddSingleton<IStartupFilter>(_requests));
        using var ada = await ApiClient.RegisterAsync(kestrel.Factory);
        using var bob = await ApiClient.RegisterAsync(kestrel.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var socket = new ClientWebSocket();
        if (!tokenInQuery)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {bob.Token}");
        }
        await socket.ConnectAsync(new Uri($"ws://{kestrel.Address.Authority}/api/ws/chat{(tokenInQuery ? $"?access_token={bob.Token}" : "")}"), CancellationToken.None);
        var request = _requests.Of("/api/ws/chat");
        await Eventually.TrueAsync(() => request.Headers.Authorization.Count == 0
            && !request.QueryString.HasValue
            && (request.HttpContext.Features.Get<IQueryFeature>()?.Query.Count ?? 0) == 0
            && RawTarget(request) == "/api/ws/chat", "the socket has let go of its token");

        (await ada.SendAsync(chatId, "still here")).Dispose();
        Assert.Equal("still here", (await socket.ReceiveOfTypeAsync("message")).GetProperty("message").GetProperty("content").GetString());
    }

    private static string RawTarget(HttpRequest request) => request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget;

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    /// <summary>Every request the app is given, so a test can look at an open one's request from the server's side.</summary>
    private sealed class RequestsSeen : IStartupFilter
    {
        private readonly ConcurrentQueue<(string Path, HttpContext Context)> _seen = new();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, rest) =>
            {
                _seen.Enqueue((context.Request.Path.Value ?? "", context));
                return rest(context);
            });
            next(app);
        };

        /// <summary>The latest request for <paramref name="path"/> (those that ended may not be looked at any more).</summary>
        public HttpRequest Of(string path) => _seen.Last(seen => seen.Path == path).Context.Request;
    }
}
