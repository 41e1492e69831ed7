using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Api;

/// <summary>
/// <c>/api/ws/chat</c>, the seed's <c>/ws/chat</c>: JSON text frames. Clients send
/// <c>{"type":"send","chatId","content"}</c>; they receive <c>{"type":"message","message"}</c> for every new message in
/// any of their chats and <c>{"type":"error","status","detail"}</c> for a refused send or a bad frame.
/// </summary>
public static class ChatSocketApi
{
    public const int MaxFrameBytes = 64 * 1024;

    private const string LaggedReason = "Fell too far behind; reconnect and read what you missed from GET /api/chats/{chatId}/messages.";
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private sealed record ClientFrame(string? Type, string? ChatId, string? Content);

    public static IEndpointRouteBuilder MapChatSocketApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ws/chat", ConnectAsync)
            .RequireAuthorization(ApiExtensions.Policy)
            .WithTags("Chats")
            .WithName("ChatWebSocket")
            .WithSummary("WebSocket: send and receive messages in all of the caller's chats")
            .WithDescription("Upgrade with the token in the Authorization header or as ?access_token=. " +
                "Client frames: {\"type\":\"send\",\"chatId\":\"...\",\"content\":\"...\"}. Server frames: {\"type\":\"message\",\"message\":Message} " +
                "and {\"type\":\"error\",\"status\":400|404|429,\"detail\":\"...\"}.");
        return app;
    }

    private static async Task<IResult> ConnectAsync(HttpContext http, ChatService chats, ChatHub hub, IOptions<JsonOptions> json)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return ApiProblems.Validation("upgrade", "This endpoint only takes WebSocket connections.");
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var serializer = json.Value.SerializerOptions;
        var userId = http.User.UserId();
        var userName = http.User.UserName();
        using var subscription = hub.Subscribe(userId);
        using var sending = new SemaphoreSlim(1, 1);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        using var expiry = new CancellationTokenSource(ApiExtensions.TokenTimeLeft(http.User));
        using var onExpiry = expiry.Token.Register(done.Cancel);

        async Task SendAsync(byte[] frame)
        {
            await sending.WaitAsync(done.Token);
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, done.Token);
            }
            finally
            {
                sending.Release();
            }
        }

        Task SendErrorAsync(int status, string detail) =>
            SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "error", status, detail }, serializer));

        // A client that stopped reading blocks our sends; once it has fallen a queue behind, it gets a few seconds to
        // take the close frame, then the socket is aborted.
        _ = subscription.Events.Completion.ContinueWith(_ =>
        {
            if (subscription.Lagged)
            {
                done.CancelAfter(CloseTimeout);
            }
        }, TaskScheduler.Default);

        var pushing = Task.Run(async () =>
        {
            await foreach (var chatEvent in subscription.Events.ReadAllAsync(done.Token))
            {
                if (chatEvent is MessagePosted posted)
                {
                    await SendAsync(await posted.Frame("ws:message", () => Task.FromResult(
                        JsonSerializer.SerializeToUtf8Bytes(new { type = "message", message = MessageResponse.From(posted.Message) }, serializer))));
                }
            }
            if (subscription.Lagged)
            {
                // Said now, not at the client's next frame: a client that only listens would otherwise wait forever.
                await sending.WaitAsync(done.Token);
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, LaggedReason, done.Token);
            }
        });

        var closeStatus = WebSocketCloseStatus.NormalClosure;
        var closeReason = "Bye.";
        var buffer = ArrayPool<byte>.Shared.Rent(MaxFrameBytes);
        try
        {
            while (socket.State == WebSocketState.Open && !pushing.IsCompleted)
            {
                var (type, length) = await ReceiveAsync(socket, buffer, done.Token);
                if (type == WebSocketMessageType.Close)
                {
                    break;
                }
                if (length < 0)
                {
                    (closeStatus, closeReason) = (WebSocketCloseStatus.MessageTooBig, $"Frames can be at most {MaxFrameBytes} bytes.");
                    break;
                }
                if (type != WebSocketMessageType.Text)
                {
                    await SendErrorAsync(400, "Send text frames of JSON.");
                    continue;
                }
                var frame = Parse(buffer.AsSpan(0, length), serializer);
                if (frame is not { Type: "send", ChatId: { Length: > 0 } chatId })
                {
                    await SendErrorAsync(400, "Expected {\"type\":\"send\",\"chatId\":\"...\",\"content\":\"...\"}.");
                    continue;
                }
                var result = await chats.SendAsync(userId, userName, chatId, frame.Content, done.Token);
                switch (result)
                {
                    case SendResult.Invalid invalid:
                        await SendErrorAsync(400, invalid.Error);
                        break;
                    case SendResult.NotFound:
                        await SendErrorAsync(404, "No such chat.");
                        break;
                    case SendResult.RateLimited limited:
                        await SendErrorAsync(429, $"Sending too fast: slow down and retry in {limited.RetryAfterSeconds} s.");
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (expiry.IsCancellationRequested)
        {
            (closeStatus, closeReason) = (WebSocketCloseStatus.PolicyViolation, "The token has expired; log in again and reconnect.");
        }
        await done.CancelAsync();
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var closing = new CancellationTokenSource(CloseTimeout);
            try
            {
                await socket.CloseAsync(closeStatus, closeReason, closing.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Gone, or not answering the close: either way this side is done.
            }
        }
        try
        {
            await pushing;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Ended with the socket.
        }
        return Results.Empty;
    }

    /// <summary>Reads one whole message into <paramref name="buffer"/>; a length of -1 means it did not fit.</summary>
    private static async Task<(WebSocketMessageType Type, int Length)> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
    {
        var length = 0;
        while (true)
        {
            if (length == MaxFrameBytes)
            {
                return (WebSocketMessageType.Text, -1);
            }
            var result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxFrameBytes - length), ct);
            length += result.Count;
            if (result.MessageType == WebSocketMessageType.Close || result.EndOfMessage)
            {
                return (result.MessageType, length);
            }
        }
    }

    private static ClientFrame? Parse(ReadOnlySpan<byte> utf8, JsonSerializerOptions serializer)
    {
        try
        {
            return JsonSerializer.Deserialize<ClientFrame>(utf8, serializer);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or NotSupportedException)
        {
            return null;
        }
    }
}
