using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Scaling;

/// <summary>API.md's guarantees with two instances behind a load balancer, sharing one store and one Redis.</summary>
public sealed class TwoInstanceTests
{
    private static async Task<ApiClient> OnOtherInstanceAsync(AppFactory other, ApiClient api)
    {
        var http = other.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token);
        return await Task.FromResult(new ApiClient(http, api.UserName, api.UserId, api.Token));
    }

    private static async Task<List<ServerSentEvent>> ReadAsync(EventStreamReader events, int count, string type = "message")
    {
        var received = new List<ServerSentEvent>();
        while (received.Count < count)
        {
            received.Add(await events.NextOfTypeAsync(type, TimeSpan.FromSeconds(15)));
        }
        return received;
    }

    /// <summary>Ada on instance A, Bob following their chat's event stream on B, one message sent and seen.</summary>
    private static async Task<(ApiClient Ada, ApiClient Bob, ApiClient BobOnB, string ChatId, EventStreamReader Stream, ServerSentEvent Last)>
        BobFollowsOnBWhatAdaSendsOnAAsync(Cluster cluster)
    {
        var ada = await ApiClient.RegisterAsync(cluster.A);
        var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        var bobOnB = await OnOtherInstanceAsync(cluster.B, bob);
        var stream = await EventStreamReader.OpenAsync(bobOnB.Http, $"/api/chats/{chatId}/events");
        (await ada.SendAsync(chatId, "first")).Dispose();
        return (ada, bob, bobOnB, chatId, stream, (await ReadAsync(stream, 1)).Single());
    }

    private static string Content(ServerSentEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("content").GetString()!;

    [Fact]
    public async Task AMessageSentOnOneInstanceReachesTheOthersEventStreamBrowserStreamAndSocket()
    {
        await using var cluster = await Cluster.StartAsync();
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        var (browserA, browserB) = cluster.Browser();
        var bobName = BrowserClient.UniqueName("bob");
        using var bob = new BrowserClient(browserA);
        await bob.RegisterAsync(bobName);
        var chatId = await ada.CreateChatIdAsync(bobName);
        using var adaOnB = await OnOtherInstanceAsync(cluster.B, ada);
        await using var apiStream = await EventStreamReader.OpenAsync(adaOnB.Http, $"/api/chats/{chatId}/events");
        await using var browserStream = await EventStreamReader.OpenAsync(browserB, $"/chats/events?open={chatId}&after=0");
        var socketClient = cluster.B.Server.CreateWebSocketClient();
        socketClient.ConfigureRequest = r => r.Headers.Authorization = $"Bearer {ada.Token}";
        using var socket = await socketClient.ConnectAsync(new Uri("ws://localhost/api/ws/chat"), CancellationToken.None);
        await Eventually.TrueAsync(() => cluster.B.Services.GetRequiredService<ChatHub>().SubscriptionCount == 3, "B has the three connections");

        using var sent = await ada.SendAsync(chatId, "from instance A");

        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var api = await apiStream.NextOfTypeAsync("message");
        var html = await browserStream.NextOfTypeAsync("chat-message");
        var frame = await socket.ReceiveJsonAsync();
        Assert.Equal(("1", "from instance A"), (api.Id, Content(api)));
        Assert.Equal("1", html.Id);
        Assert.Contains("from instance A", html.Data);
        Assert.Equal("message", frame.GetProperty("type").GetString());
        Assert.Equal("from instance A", frame.GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task ConcurrentSendsOnBothInstancesArriveEverywhereInVersionOrderOnce()
    {
        await using var cluster = await Cluster.StartAsync();
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var bobOnB = await OnOtherInstanceAsync(cluster.B, bob);
        await using var onA = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");
        await using var onB = await EventStreamReader.OpenAsync(bobOnB.Http, $"/api/chats/{chatId}/events");
        await Eventually.TrueAsync(() => cluster.A.Services.GetRequiredService<ChatHub>().SubscriptionCount == 1
            && cluster.B.Services.GetRequiredService<ChatHub>().SubscriptionCount == 1, "both streams are open");

        var sends = Enumerable.Range(0, 30).SelectMany(i => new[]
        {
            Task.Run(async () => (await ada.SendAsync(chatId, $"a{i}")).Dispose()),
            Task.Run(async () => (await bobOnB.SendAsync(chatId, $"b{i}")).Dispose()),
        });
        await Task.WhenAll(sends);

        var expected = Enumerable.Range(1, 60).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var seenOnA = await ReadAsync(onA, 60);
        var seenOnB = await ReadAsync(onB, 60);
        Assert.Equal(expected, seenOnA.Select(e => e.Id));
        Assert.Equal(expected, seenOnB.Select(e => e.Id));
        Assert.Equal(seenOnA.Select(Content), seenOnB.Select(Content));
        Assert.Equal(60, seenOnA.Select(Content).Distinct().Count());
    }

    [Fact]
    public async Task TheSendLimitHoldsAcrossInstances()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["Chat:SendBurst"] = "3", ["Chat:SendsPerMinute"] = "1" });
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var adaOnB = await OnOtherInstanceAsync(cluster.B, ada);

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { ada, adaOnB, ada, adaOnB })
        {
            using var response = await client.SendAsync(chatId, "counted once across instances");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task TheLoginLimitHoldsAcrossInstances()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["RateLimits:LoginsPerMinutePerAddress"] = "3" });
        var statuses = new List<HttpStatusCode>();
        foreach (var instance in new[] { cluster.A, cluster.B, cluster.A, cluster.B })
        {
            using var http = instance.CreateClient();
            using var response = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", "nobody"), new("password", "wrong password")]));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task LoggingOutOnOneInstanceEndsThatBrowsersStreamsOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        var (onA, onB) = cluster.Browser();
        using var browser = new BrowserClient(onA);
        await browser.RegisterAsync(BrowserClient.UniqueName("leaver"));
        await using var stream = await EventStreamReader.OpenAsync(onB, "/chats/events");
        await Eventually.TrueAsync(() => cluster.B.Services.GetRequiredService<ChatHub>().SubscriptionCount == 1, "the stream is open on B");

        using var loggedOut = await browser.LogOutAsync();

        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        Assert.Null(await stream.NextAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task LockingAnAccountEndsItsStreamsAndSocketsOnEveryInstance()
    {
        await using var cluster = await Cluster.StartAsync();
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var stream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");
        await Eventually.TrueAsync(() => cluster.A.Services.GetRequiredService<ChatHub>().SubscriptionCount == 1, "the stream is open on A");

        using (var scope = cluster.B.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            Assert.True((await accounts.LockAsync((await users.FindByIdAsync(ada.UserId))!, DateTimeOffset.UtcNow.AddDays(1))).Succeeded);
        }

        Assert.Null(await stream.NextAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task APasswordChangedOnOneInstanceEndsTheOldTokensOnTheOtherAtOnce()
    {
        await using var cluster = await Cluster.StartAsync();
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var otherDevice = cluster.B.CreateClient();
        otherDevice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiClient.LogInAsync(otherDevice, ada.UserName, "api password"));
        // B has checked the token against the account, and keeps the account in its cache.
        using (var before = await otherDevice.GetAsync("/api/me"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var changed = await ada.Http.PostAsJsonAsync("/api/me/password", new { currentPassword = "api password", newPassword = "a new password" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        // Word of the change travels through Redis; the first request after it is refused.
        var refused = false;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!refused && DateTime.UtcNow < deadline)
        {
            using var after = await otherDevice.GetAsync("/api/me");
            refused = after.StatusCode == HttpStatusCode.Unauthorized;
            await Task.Delay(refused ? 0 : 20);
        }
        Assert.True(refused, "B still took the old token long after the change (the cache's lifetime is 30 s).");
        using var asker = await (await OnOtherInstanceAsync(cluster.B, ada)).Http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, asker.StatusCode);
    }

    [Fact]
    public async Task TypingOnOneInstanceIsSeenOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        var (ada, bob, bobOnB, chatId, stream, _) = await BobFollowsOnBWhatAdaSendsOnAAsync(cluster);
        using var _ada = ada;
        using var _bob = bob;
        using var _bobOnB = bobOnB;
        await using var _stream = stream;

        using var typing = await ada.Http.PostAsync($"/api/chats/{chatId}/typing", null);

        Assert.Equal(HttpStatusCode.NoContent, typing.StatusCode);
        Assert.Equal(ada.UserName, JsonDocument.Parse((await stream.NextOfTypeAsync("typing", TimeSpan.FromSeconds(15))).Data).RootElement.GetProperty("username").GetString());
    }

    [Fact]
    public async Task AFileUploadedAndSentOnOneInstanceIsSeenAndServedOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        var (ada, bob, bobOnB, chatId, stream, _) = await BobFollowsOnBWhatAdaSendsOnAAsync(cluster);
        using var _ada = ada;
        using var _bob = bob;
        using var _bobOnB = bobOnB;
        await using var _stream = stream;
        var png = TestFiles.Png(200, 100);

        using var uploaded = await Api.AttachmentsApiTests.UploadAsync(ada.Http, chatId, png, "shared.png");
        var id = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        (await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "a picture", attachments = new[] { id } })).Dispose();
        var seen = JsonDocument.Parse((await ReadAsync(stream, 1)).Single().Data).RootElement.GetProperty("attachments")[0];
        using var served = await bobOnB.Http.GetAsync(seen.GetProperty("url").GetString());

        Assert.Equal(("shared.png", 200, 100), (seen.GetProperty("fileName").GetString(), seen.GetProperty("width").GetInt32(), seen.GetProperty("height").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal((200, 100, SkiaSharp.SKEncodedOrigin.TopLeft), TestFiles.Decode(await served.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task PresenceIsSharedByTheInstancesOfflineOnlyWhenTheLastConnectionAnywhereCloses()
    {
        await using var cluster = await Cluster.StartAsync(new Dictionary<string, string?> { ["Chat:PresenceGraceSeconds"] = "1" });
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var bobOnB = await OnOtherInstanceAsync(cluster.B, bob);
        await using var adaStream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");

        var onB = await EventStreamReader.OpenAsync(bobOnB.Http, $"/api/chats/{chatId}/events");
        var cameOnline = JsonDocument.Parse((await adaStream.NextOfTypeAsync("presence", TimeSpan.FromSeconds(15))).Data).RootElement;
        var seenFromA = await ada.GetJsonAsync($"/api/users/{bob.UserId}");
        var onA = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        await onB.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // the grace period, twice over, with bob still connected on A
        var stillOnline = await bobOnB.GetJsonAsync($"/api/users/{bob.UserId}");
        var closedLast = DateTimeOffset.UtcNow;
        await onA.DisposeAsync();
        var wentOffline = JsonDocument.Parse((await adaStream.NextOfTypeAsync("presence", TimeSpan.FromSeconds(15))).Data).RootElement;

        Assert.True(cameOnline.GetProperty("online").GetBoolean());
        Assert.True(seenFromA.GetProperty("online").GetBoolean());
        Assert.True(stillOnline.GetProperty("online").GetBoolean());
        // The next word after "online" is the real "offline", not one said when the connection on B closed.
        Assert.False(wentOffline.GetProperty("online").GetBoolean());
        Assert.True(wentOffline.GetProperty("lastSeenAt").GetDateTimeOffset() >= closedLast.AddMilliseconds(-50));
        Assert.False((await bobOnB.GetJsonAsync($"/api/users/{bob.UserId}")).GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task RemovingSomeoneOnOneInstanceEndsTheirStreamOfTheChatOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        using var ada = await ApiClient.RegisterAsync(cluster.A);
        using var bob = await ApiClient.RegisterAsync(cluster.A);
        var chatId = (await ada.CreateGroupAsync("Team", bob.UserName)).GetProperty("id").GetString()!;
        using var bobOnB = await OnOtherInstanceAsync(cluster.B, bob);
        await using var stream = await EventStreamReader.OpenAsync(bobOnB.Http, $"/api/chats/{chatId}/events");

        using var removed = await ada.Http.DeleteAsync($"/api/chats/{chatId}/participants/{bob.UserId}");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Contains("removed", Content(await stream.NextOfTypeAsync("message", TimeSpan.FromSeconds(15))));
        await stream.AssertEndsAsync(TimeSpan.FromSeconds(15));
        await (await bobOnB.Http.GetAsync($"/api/chats/{chatId}/events")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WhileRedisIsDownSendsAreStoredHealthIsDegradedAndStreamsCatchUpWhenItReturns()
    {
        await using var cluster = await Cluster.StartAsync();
        var (ada, bob, bobOnB, chatId, stream, last) = await BobFollowsOnBWhatAdaSendsOnAAsync(cluster);
        using var _ada = ada;
        using var _bob = bob;
        using var _bobOnB = bobOnB;

        await cluster.Redis.StopAsync();
        var duringOutage = new List<HttpStatusCode>();
        for (var i = 1; i <= 3; i++)
        {
            using var sent = await ada.SendAsync(chatId, $"during the outage {i}");
            duringOutage.Add(sent.StatusCode);
        }
        using var health = JsonDocument.Parse(await ada.Http.GetStringAsync("/health"));
        await cluster.Redis.StartAgainAsync();

        Assert.All(duringOutage, status => Assert.Equal(HttpStatusCode.Created, status));
        Assert.Equal("Degraded", health.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("Degraded", health.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());

        // Redis back: each instance, as it reconnects, ends the streams (its own and the other's), and the client
        // resumes from the store as any EventSource would, whenever that happens.
        async Task<List<ServerSentEvent>> ReadResumingAsync(int count)
        {
            var received = new List<ServerSentEvent>();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (received.Count < count)
            {
                Assert.True(DateTime.UtcNow < deadline, "The stream did not catch up after Redis came back.");
                ServerSentEvent? next;
                try
                {
                    next = await stream.NextAsync(TimeSpan.FromSeconds(2));
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                    // The in-memory server gives a stream up once a read is cancelled: reconnect, as EventSource would.
                    next = null;
                }
                if (next is null)
                {
                    await stream.DisposeAsync();
                    stream = await EventStreamReader.OpenAsync(bobOnB.Http, $"/api/chats/{chatId}/events", lastEventId: last.Id);
                    continue;
                }
                if (next.Type == "message")
                {
                    received.Add(next);
                    last = next;
                }
            }
            return received;
        }
        var caughtUp = await ReadResumingAsync(3);
        Assert.Equal(["during the outage 1", "during the outage 2", "during the outage 3"], caughtUp.Select(Content));
        Assert.Equal(["2", "3", "4"], caughtUp.Select(e => e.Id));

        (await ada.SendAsync(chatId, "after the outage")).Dispose();
        var after = (await ReadResumingAsync(1)).Single();
        await stream.DisposeAsync();
        Assert.Equal(("after the outage", "5"), (Content(after), after.Id));
    }

    [Fact]
    public async Task WhenAnInstanceStopsItsClientsResumeExactlyOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        var (ada, bob, bobOnB, chatId, stream, last) = await BobFollowsOnBWhatAdaSendsOnAAsync(cluster);
        using var _ada = ada;
        using var _bob = bob;
        using var _bobOnB = bobOnB;

        await cluster.B.DisposeAsync();
        for (var i = 2; i <= 4; i++)
        {
            (await ada.SendAsync(chatId, $"missed {i}")).Dispose();
        }
        using var bobOnA = await OnOtherInstanceAsync(cluster.A, bob);
        await using var resumed = await EventStreamReader.OpenAsync(bobOnA.Http, $"/api/chats/{chatId}/events", lastEventId: last.Id);
        var missed = await ReadAsync(resumed, 3);
        (await ada.SendAsync(chatId, "live again")).Dispose();
        var live = (await ReadAsync(resumed, 1)).Single();

        Assert.Equal(["2", "3", "4", "5"], missed.Append(live).Select(e => e.Id));
        Assert.Equal(["missed 2", "missed 3", "missed 4", "live again"], missed.Append(live).Select(Content));
    }
}
