using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Domain;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Api;

public sealed class WebSocketApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private Task<WebSocket> ConnectAsync(ApiClient api, bool tokenInQuery = false) => ChatSocket.ConnectAsync(app.Factory, api.Token, tokenInQuery);

    private static Task SendTextAsync(WebSocket socket, string text) => socket.SendTextAsync(text);

    private static Task<JsonElement> ReceiveAsync(WebSocket socket) => socket.ReceiveJsonAsync();

    [Fact]
    public async Task MessagesFlowBothWaysBetweenTheSocketAndTheRestOfTheApi()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var socket = await ConnectAsync(ada);

        (await bob.SendAsync(chatId, "from the api")).Dispose();
        var received = await ReceiveAsync(socket);
        await SendTextAsync(socket, JsonSerializer.Serialize(new { type = "send", chatId, content = "from the socket" }));
        var own = await ReceiveAsync(socket);
        var page = await bob.GetJsonAsync($"/api/chats/{chatId}/messages");

        Assert.Equal("message", received.GetProperty("type").GetString());
        Assert.Equal("from the api", received.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(("message", "from the socket", 2L), (own.GetProperty("type").GetString(), own.GetProperty("message").GetProperty("content").GetString(), own.GetProperty("message").GetProperty("seq").GetInt64()));
        Assert.Equal("from the socket", page.GetProperty("messages")[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task EditsDeletionsAndReactionsGoBothWaysOverTheSocket()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var adaSocket = await ConnectAsync(ada);
        using var bobSocket = await ConnectAsync(bob);
        await SendTextAsync(adaSocket, JsonSerializer.Serialize(new { type = "send", chatId, content = "helo" }));
        var messageId = (await ReceiveAsync(bobSocket)).GetProperty("message").GetProperty("id").GetString();
        await ReceiveAsync(adaSocket);

        await SendTextAsync(adaSocket, JsonSerializer.Serialize(new { type = "edit", chatId, messageId, content = "hello" }));
        var edited = await ReceiveAsync(bobSocket);
        await SendTextAsync(bobSocket, JsonSerializer.Serialize(new { type = "react", chatId, messageId, reaction = "🎉", on = true }));
        var reactedForBob = await ReceiveAsync(bobSocket);
        await SendTextAsync(bobSocket, JsonSerializer.Serialize(new { type = "edit", chatId, messageId, content = "not mine" }));
        var refused = await ReceiveAsync(bobSocket);
        await SendTextAsync(adaSocket, JsonSerializer.Serialize(new { type = "delete", chatId, messageId }));
        var deleted = await ReceiveAsync(bobSocket);

        Assert.Equal(("message.updated", "hello"), (edited.GetProperty("type").GetString(), edited.GetProperty("message").GetProperty("content").GetString()));
        var reaction = reactedForBob.GetProperty("message").GetProperty("reactions")[0];
        Assert.Equal(("message.updated", "🎉", true), (reactedForBob.GetProperty("type").GetString(), reaction.GetProperty("emoji").GetString(), reaction.GetProperty("mine").GetBoolean()));
        Assert.Equal(("error", 403), (refused.GetProperty("type").GetString(), refused.GetProperty("status").GetInt32()));
        Assert.Equal(("message.deleted", true), (deleted.GetProperty("type").GetString(), deleted.GetProperty("message").GetProperty("deleted").GetBoolean()));
    }

    [Fact]
    public async Task BadFramesGetErrorFramesAndTheSocketStaysOpen()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var socket = await ConnectAsync(ada, tokenInQuery: true);

        var errors = new List<(int Status, string Detail)>();
        foreach (var frame in new[]
        {
            "not json at all",
            "{\"type\":\"dance\"}",
            JsonSerializer.Serialize(new { type = "send", chatId = "000000000000000000000000", content = "hi" }),
            JsonSerializer.Serialize(new { type = "send", chatId, content = "   " }),
            JsonSerializer.Serialize(new { type = "send", chatId, content = new string('x', 4001) }),
        })
        {
            await SendTextAsync(socket, frame);
            var error = await ReceiveAsync(socket);
            Assert.Equal("error", error.GetProperty("type").GetString());
            errors.Add((error.GetProperty("status").GetInt32(), error.GetProperty("detail").GetString()!));
        }
        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var binary = await ReceiveAsync(socket);
        await SendTextAsync(socket, JsonSerializer.Serialize(new { type = "send", chatId, content = "still here" }));
        var ok = await ReceiveAsync(socket);

        Assert.Equal([400, 400, 404, 400, 400], errors.Select(e => e.Status));
        Assert.Equal(400, binary.GetProperty("status").GetInt32());
        Assert.Equal("still here", ok.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task AClientThatFallsTooFarBehindIsClosedWithAReason()
    {
        using var folder = new TempFolder();
        // Real sockets: the server's writes push back once a client that is not reading has its buffers full.
        using var small = KestrelApp.Start(folder.Path, new Dictionary<string, string?> { ["Chat:StreamQueueCapacity"] = "16" });
        using var ada = await ApiClient.RegisterAsync(small.Factory);
        using var bob = await ApiClient.RegisterAsync(small.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {ada.Token}");
        await socket.ConnectAsync(new Uri($"ws://{small.Address.Authority}/api/ws/chat"), new HttpMessageInvoker(KestrelApp.SmallBufferHandler()), CancellationToken.None);

        // Published straight to the hub, far more than the socket's buffers hold, while the client reads nothing:
        // once a write waits, the queue of 16 overflows.
        var hub = small.Factory.Services.GetRequiredService<HtmxChat.Web.Chats.Feed.ChatHub>();
        var chat = new Chat { Id = chatId, Participants = [new() { UserId = ada.UserId, UserName = ada.UserName }] };
        while (hub.SubscriptionCount == 0)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        var content = new string('x', 4_000);
        for (var seq = 1; seq <= 5_000; seq++)
        {
            hub.Publish(new HtmxChat.Web.Chats.ChatChange(HtmxChat.Web.Chats.ChangeKind.MessagePosted, chat,
                new Message(Ids.New(), chatId, seq, bob.UserId, bob.UserName, content, DateTimeOffset.UtcNow) { Version = seq, CreatedVersion = seq }));
        }
        await hub.DeliveredAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, result.CloseStatus);
        Assert.Contains("behind", result.CloseStatusDescription);
    }

    [Fact]
    public async Task WithoutATokenTheUpgradeIsRefusedWith401()
    {
        var client = app.Factory.Server.CreateWebSocketClient();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(new Uri("ws://localhost/api/ws/chat"), CancellationToken.None));

        Assert.Contains("401", error.Message);
    }
}
