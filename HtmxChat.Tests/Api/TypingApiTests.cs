using System.Net;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>API.md v2: typing is ephemeral, for the others only, on streams and sockets, and counts toward the send limit.</summary>
public sealed class TypingApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task TheOthersStreamsGetTypingWithoutAnIdAndTheTypistsOwnDoNot()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var bobStream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        await using var adaStream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{chatId}/events");

        using var typing = await ada.Http.PostAsync($"/api/chats/{chatId}/typing", null);
        (await ada.SendAsync(chatId, "done typing")).Dispose();

        Assert.Equal(HttpStatusCode.NoContent, typing.StatusCode);
        var seen = await bobStream.NextOfTypeAsync("typing");
        Assert.Equal(("typing", null), (seen?.Type, seen?.Id));
        var data = JsonDocument.Parse(seen!.Data).RootElement;
        Assert.Equal((chatId, ada.UserId, ada.UserName),
            (data.GetProperty("chatId").GetString(), data.GetProperty("userId").GetString(), data.GetProperty("username").GetString()));
        // Ada's own stream: her message, and no typing before it (presence may come: Bob is online).
        var beforeHerMessage = new List<string?>();
        var next = await adaStream.NextAsync();
        for (; next is { Type: not "message" }; next = await adaStream.NextAsync())
        {
            beforeHerMessage.Add(next.Type);
        }
        Assert.NotNull(next);
        Assert.DoesNotContain("typing", beforeHerMessage);
    }

    [Fact]
    public async Task TypingIsNeverReplayed()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        (await ada.Http.PostAsync($"/api/chats/{chatId}/typing", null)).Dispose();
        (await ada.SendAsync(chatId, "after typing")).Dispose();

        await using var resumed = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events", lastEventId: "0");

        Assert.Equal("message", (await resumed.NextAsync())?.Type);
        await resumed.AssertQuietAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task AnOutsiderTypingGets404AndTypingCountsTowardTheSendLimit()
    {
        using var folder = new TempFolder();
        using var limited = new AppFactory(folder.Path, new Dictionary<string, string?> { ["Chat:SendBurst"] = "2", ["Chat:SendsPerMinute"] = "1" });
        using var ada = await ApiClient.RegisterAsync(limited);
        using var bob = await ApiClient.RegisterAsync(limited);
        using var eve = await ApiClient.RegisterAsync(limited);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var outsider = await eve.Http.PostAsync($"/api/chats/{chatId}/typing", null);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await ada.Http.PostAsync($"/api/chats/{chatId}/typing", null);
            statuses.Add(response.StatusCode);
        }
        using var send = await ada.SendAsync(chatId, "now?");

        await outsider.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.TooManyRequests], statuses);
        await send.AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ASocketSendsTypingAndTheOthersSocketGetsIt()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var adaSocket = await ChatSocket.ConnectAsync(app.Factory, ada.Token);
        using var bobSocket = await ChatSocket.ConnectAsync(app.Factory, bob.Token);
        await bobSocket.SendTextAsync(JsonSerializer.Serialize(new { type = "send", chatId, content = "bob is live" }));
        await bobSocket.ReceiveOfTypeAsync("message");
        await adaSocket.ReceiveOfTypeAsync("message");

        await adaSocket.SendTextAsync(JsonSerializer.Serialize(new { type = "typing", chatId }));

        var typing = await bobSocket.ReceiveOfTypeAsync("typing");
        Assert.Equal((chatId, ada.UserName), (typing.GetProperty("chatId").GetString(), typing.GetProperty("username").GetString()));
    }
}
