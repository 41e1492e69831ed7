using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>API.md v2: online while a person has an open stream or socket, with a grace period before offline; lastSeenAt kept.</summary>
public sealed class PresenceApiTests : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public PresenceApiTests() =>
        _app = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["Chat:PresenceGraceSeconds"] = Grace.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task APersonIsOnlineWhileAStreamIsOpenAndOfflineAfterTheGracePeriodWithLastSeenKept()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var adaStream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");
        Assert.False((await ada.GetJsonAsync($"/api/users/{bob.UserId}")).GetProperty("online").GetBoolean());

        var bobStream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        var online = JsonDocument.Parse((await adaStream.NextOfTypeAsync("presence")).Data).RootElement;
        var whileOnline = await ada.GetJsonAsync($"/api/users/{bob.UserId}");
        await bobStream.DisposeAsync();
        var offlineEvent = await adaStream.NextOfTypeAsync("presence", TimeSpan.FromSeconds(10));
        var offline = JsonDocument.Parse(offlineEvent.Data).RootElement;
        var afterwards = await ada.GetJsonAsync($"/api/users/{bob.UserId}");

        Assert.Equal((bob.UserId, bob.UserName, true), (online.GetProperty("userId").GetString(), online.GetProperty("username").GetString(), online.GetProperty("online").GetBoolean()));
        Assert.True(whileOnline.GetProperty("online").GetBoolean());
        Assert.Null(offlineEvent.Id);
        Assert.False(offline.GetProperty("online").GetBoolean());
        Assert.False(afterwards.GetProperty("online").GetBoolean());
        Assert.Equal(offline.GetProperty("lastSeenAt").GetDateTimeOffset(), afterwards.GetProperty("lastSeenAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task ReconnectingWithinTheGracePeriodDoesNotFlap()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var adaStream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");
        var first = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        await adaStream.NextOfTypeAsync("presence");

        await first.DisposeAsync();
        await using var again = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");

        await adaStream.AssertQuietAsync(Grace * 2);
        Assert.True((await ada.GetJsonAsync($"/api/users/{bob.UserId}")).GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task SocketsCountAsOnlineAndGetPresenceToo()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        await ada.CreateChatIdAsync(bob.UserName);
        using var adaSocket = await ChatSocket.ConnectAsync(_app, ada.Token);
        await WaitUntilOnlineAsync(ada, ada.UserId);

        using var bobSocket = await ChatSocket.ConnectAsync(_app, bob.Token);

        var frame = await adaSocket.ReceiveOfTypeAsync("presence");
        Assert.Equal((bob.UserId, true), (frame.GetProperty("userId").GetString(), frame.GetProperty("online").GetBoolean()));
        Assert.True((await ada.GetJsonAsync($"/api/users/{bob.UserId}")).GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task PeopleWhoShareNoChatHearNothingOfEachOther()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var eve = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var adaStream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");

        using var eveSocket = await ChatSocket.ConnectAsync(_app, eve.Token);
        await WaitUntilOnlineAsync(ada, eve.UserId);

        await adaStream.AssertQuietAsync(TimeSpan.FromMilliseconds(300));
    }

    private static async Task WaitUntilOnlineAsync(ApiClient asker, string userId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await asker.GetJsonAsync($"/api/users/{userId}")).GetProperty("online").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, "Never came online.");
            await Task.Delay(20);
        }
    }
}
