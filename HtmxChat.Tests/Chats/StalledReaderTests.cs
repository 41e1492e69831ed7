using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Chats;

/// <summary>
/// A client that stops reading is let go within the stall time, on every transport, over real sockets, while the
/// others keep getting everything.
/// </summary>
public sealed partial class StalledReaderTests : IDisposable
{
    private const int Messages = 1_500;
    private readonly TempFolder _folder = new();
    private readonly KestrelApp _app;

    public StalledReaderTests() => _app = KestrelApp.Start(_folder.Path, new Dictionary<string, string?>
    {
        ["Chat:WriteStallSeconds"] = "2",
        // Large enough that only the stall rule can cut the reader, not falling a queue behind.
        ["Chat:StreamQueueCapacity"] = "100000",
        ["Chat:SendBurst"] = "10000",
    });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    public enum Kind
    {
        BrowserStream,
        ApiStream,
        WebSocket,
    }

    [Theory]
    [InlineData(Kind.BrowserStream)]
    [InlineData(Kind.ApiStream)]
    [InlineData(Kind.WebSocket)]
    public async Task AReaderThatNeverReadsIsDisconnectedAndTheOthersGetEverything(Kind kind)
    {
        var (adaId, adaName, adaToken) = await RegisterApiAsync();
        // The person whose client stops reading signs in as that client would: a browser with a cookie, others with a token.
        var (bobName, bobCredential) = kind == Kind.BrowserStream ? await RegisterBrowserAsync() : await RegisterNameAndTokenAsync();
        using var ada = _app.Client();
        ada.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adaToken);
        using var created = await ada.PostAsJsonAsync("/api/chats", new { participants = new[] { bobName } });
        var chatId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var hub = _app.Factory.Services.GetRequiredService<ChatHub>();

        using var healthyClient = _app.Client();
        healthyClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adaToken);
        await using var healthy = await EventStreamReader.OpenAsync(healthyClient, $"/api/chats/{chatId}/events");
        await using var stalled = await OpenStalledAsync(kind, chatId, bobCredential);
        await Eventually.TrueAsync(() => hub.SubscriptionCount == 2, "both readers are connected", TimeSpan.FromSeconds(10));

        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                await healthy.NextOfTypeAsync("message");
            }
        });
        var chats = _app.Factory.Services.GetRequiredService<ChatService>();
        var content = new string('x', 3_900);
        for (var i = 0; i < Messages; i++)
        {
            Assert.IsType<ChatResult.Done>(await chats.SendAsync(adaId, adaName, chatId, content));
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => hub.SubscriptionCount == 1, "the stalled reader is let go", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AStreamThatStopsReadingIsLetGoBeforeTheKernelBuffersMegabytesForIt()
    {
        var (adaId, adaName, adaToken) = await RegisterApiAsync();
        var (bobName, bobToken) = await RegisterNameAndTokenAsync();
        using var ada = _app.Client();
        ada.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adaToken);
        using var created = await ada.PostAsJsonAsync("/api/chats", new { participants = new[] { bobName } });
        var chatId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var hub = _app.Factory.Services.GetRequiredService<ChatHub>();
        // An ordinary client (the kernel's own buffer sizes) that opens the stream and never reads it.
        using var client = _app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chats/{chatId}/events") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", bobToken) } };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await Eventually.TrueAsync(() => hub.SubscriptionCount == 1, "the reader is connected", TimeSpan.FromSeconds(10));

        // Far less than the megabytes a kernel would buffer for a socket left to itself.
        var chats = _app.Factory.Services.GetRequiredService<ChatService>();
        var content = new string('x', 3_900);
        for (var i = 0; i < 150; i++)
        {
            Assert.IsType<ChatResult.Done>(await chats.SendAsync(adaId, adaName, chatId, content));
        }

        await Eventually.TrueAsync(() => hub.SubscriptionCount == 0, "the stalled reader is let go", TimeSpan.FromSeconds(30));
    }

    private async Task<IAsyncDisposable> OpenStalledAsync(Kind kind, string chatId, string credential)
    {
        switch (kind)
        {
            case Kind.WebSocket:
                var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", $"Bearer {credential}");
                await socket.ConnectAsync(new Uri($"ws://{_app.Address.Authority}/api/ws/chat"), new HttpMessageInvoker(KestrelApp.SmallBufferHandler()), CancellationToken.None);
                return new Disposer(() => { socket.Abort(); socket.Dispose(); });
            default:
                var client = _app.Client(KestrelApp.SmallBufferHandler());
                using (var request = new HttpRequestMessage(HttpMethod.Get, kind == Kind.ApiStream ? $"/api/chats/{chatId}/events" : $"/chats/events?open={chatId}&after=0"))
                {
                    if (kind == Kind.ApiStream)
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
                    }
                    else
                    {
                        request.Headers.Add("Cookie", credential);
                    }
                    var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    // The body is never read.
                    return new Disposer(() => { response.Dispose(); client.Dispose(); });
                }
        }
    }

    private async Task<(string Id, string Name, string Token)> RegisterApiAsync()
    {
        using var http = _app.Client();
        var name = BrowserClient.UniqueName("stall");
        using var registered = await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "stall password" });
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return (id, name, await ApiClient.LogInAsync(http, name, "stall password"));
    }

    private async Task<(string Name, string Token)> RegisterNameAndTokenAsync()
    {
        var (_, name, token) = await RegisterApiAsync();
        return (name, token);
    }

    /// <summary>A browser registration done by hand: the cookies are Secure, which HttpClient keeps off plain-HTTP loopback.</summary>
    private async Task<(string Name, string Cookie)> RegisterBrowserAsync()
    {
        using var http = _app.Client();
        using var page = await http.GetAsync("/account/register");
        var antiforgery = CookiesOf(page);
        var token = TokenPattern().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var name = BrowserClient.UniqueName("stallweb");
        using var register = new HttpRequestMessage(HttpMethod.Post, "/account/register")
        {
            Content = new FormUrlEncodedContent([new("Username", name), new("Email", $"{name}@example.com"), new("Password", "correct horse"), new("__RequestVerificationToken", token)]),
        };
        register.Headers.Add("Cookie", antiforgery);
        using var registered = await http.SendAsync(register);
        Assert.True(registered.StatusCode == HttpStatusCode.Redirect, await registered.Content.ReadAsStringAsync());
        return (name, CookiesOf(registered));
    }

    private static string CookiesOf(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
