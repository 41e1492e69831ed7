// The SignalR peer of bench/HtmxChat.Bench: a hub every client joins over WebSockets, and a send route that hands
// each message (the same shape as HtmxChat's API Message) to every connection. Nothing is stored, nothing is
// authenticated: it is the floor a SignalR chat would start from, not a chat server.
using Microsoft.AspNetCore.SignalR;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSignalR(o =>
{
    o.KeepAliveInterval = TimeSpan.FromSeconds(15);
    // The benchmark's clients do not ping; HtmxChat's streams do not need them to either.
    o.ClientTimeoutInterval = TimeSpan.FromHours(1);
});
var app = builder.Build();
app.UseWebSockets();
app.MapHub<ChatHub>("/hub");
app.MapGet("/health", () => "ok");

var chatId = Guid.NewGuid().ToString("N")[..24];
long seq = 0;
app.MapPost("/api/messages", async (SendRequest request, IHubContext<ChatHub> hub) =>
{
    var next = Interlocked.Increment(ref seq);
    var message = new Message($"{next:x24}", chatId, next, next, "text", "sender", "bench", request.Content ?? "", DateTimeOffset.UtcNow,
        null, false, null, [], [], []);
    await hub.Clients.All.SendAsync("message", message);
    return Results.Created($"/api/messages/{next}", message);
});
app.Run();

internal sealed class ChatHub : Hub;

internal sealed record SendRequest(string? Content);

internal sealed record Message(
    string Id, string ChatId, long Seq, long Version, string Kind, string SenderId, string SenderName, string Content, DateTimeOffset Timestamp,
    DateTimeOffset? EditedAt, bool Deleted, object? ReplyTo, object[] Mentions, object[] Reactions, object[] Attachments);
