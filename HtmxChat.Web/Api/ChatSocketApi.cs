using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Security.Claims;
using System.Text.Json;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Api;

/// <summary>
/// <c>/api/ws/chat</c>, the seed's <c>/ws/chat</c>: JSON text frames. Clients send <c>send</c>, <c>edit</c>, <c>delete</c>
/// and <c>react</c> frames; they receive every change in any of their chats (<c>message</c>, <c>message.updated</c>,
/// <c>message.deleted</c>, <c>chat.updated</c>) and <c>{"type":"error","status","detail"}</c> for a refused frame.
/// </summary>
public static class ChatSocketApi
{
    public const int MaxFrameBytes = 64 * 1024;

    private const string LaggedReason = "Fell too far behind; reconnect and read what you missed from GET /api/chats/{chatId}/messages.";
    private const string EndedReason = "The server ended this connection; reconnect and read what you missed from GET /api/chats/{chatId}/messages.";
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private sealed record ClientFrame(string? Type, string? ChatId, string? Content, string? MessageId, string? Reaction, bool? On, string? ReplyTo, IReadOnlyList<string>? Attachments);

    private const string ExpectedFrames = "Expected {\"type\":\"send\",\"chatId\",\"content\"}, {\"type\":\"edit\",\"chatId\",\"messageId\",\"content\"}, " +
        "{\"type\":\"delete\",\"chatId\",\"messageId\"}, {\"type\":\"react\",\"chatId\",\"messageId\",\"reaction\",\"on\":true|false} " +
        "or {\"type\":\"typing\",\"chatId\"}.";

    public static IEndpointRouteBuilder MapChatSocketApi(this IEndpointRouteBuilder app)
    {
        // Straight from routing, with its services taken once (StreamAuthentication).
        var sockets = ActivatorUtilities.CreateInstance<Endpoint>(app.ServiceProvider);
        app.MapGet("/api/ws/chat", (Delegate)sockets.ConnectAsync)
            .WithMetadata(ApiAuthentication.AuthenticatedByEndpoint)
            .ShortCircuit()
            .WithTags("Chats")
            .WithName("ChatWebSocket")
            .WithSummary("WebSocket: send, edit, delete and react, and receive every change, in all of the caller's chats")
            .WithDescription("Upgrade with the token in the Authorization header or as ?access_token=. " +
                "Client frames: send {chatId, content, replyTo?}, edit {chatId, messageId, content}, delete {chatId, messageId}, react {chatId, messageId, reaction, on}. " +
                "Server frames: {\"type\":\"message\"|\"message.updated\"|\"message.deleted\",\"message\":Message}, {\"type\":\"chat.updated\",\"chat\":Chat} " +
                "and {\"type\":\"error\",\"status\":400|403|404|409|429,\"detail\":\"...\"}.");
        return app;
    }

    /// <summary>What a socket keeps of whoever opened it.</summary>
    private sealed record Caller(string Id, string Name, bool IsAdmin, TimeSpan TokenTimeLeft)
    {
        public static Caller Of(ClaimsPrincipal principal) =>
            new(principal.UserId(), principal.UserName(), principal.IsInRole(Roles.Admin), ApiAuthentication.TokenTimeLeft(principal));
    }

    private sealed class Endpoint(StreamAuthentication authentication, ChatService chats, ChatFeed feed, IOptions<JsonOptions> json, ILoggerFactory logs)
    {
        private readonly JsonSerializerOptions serializer = json.Value.SerializerOptions;

        public async Task<IResult> ConnectAsync(HttpContext http)
        {
            if (await authentication.AuthenticateAsync(http, ApiAuthentication.Scheme, Caller.Of) is not var (userId, userName, isAdmin, tokenTimeLeft))
            {
                return Results.Empty;
            }
            if (!http.WebSockets.IsWebSocketRequest)
            {
                return ApiProblems.Validation("upgrade", "This endpoint only takes WebSocket connections.");
            }
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            StreamAuthentication.ForgetCredentials(http);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            using var expiry = new CancellationTokenSource(tokenTimeLeft);
            using var onExpiry = expiry.Token.Register(done.Cancel);
            var sink = new SocketSink(socket, userId, serializer);

            var pushing = Task.Run(async () =>
            {
                try
                {
                    var end = await feed.RunAsync(new FeedRequest(userId, Transport.WebSocket) { AllChats = true }, sink, done.Token);
                    if (end == FeedEnd.Stalled)
                    {
                        socket.Abort();
                        return;
                    }
                    if (end is FeedEnd.Lagged or FeedEnd.Ended)
                    {
                        // Said now, not at the client's next frame: a client that only listens would otherwise wait forever. A
                        // client that stopped reading gets a few seconds to take the close frame, then the socket is aborted.
                        done.CancelAfter(CloseTimeout);
                        await (end == FeedEnd.Lagged
                            ? sink.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, LaggedReason, done.Token)
                            : sink.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, EndedReason, done.Token));
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException and not WebSocketException)
                {
                    // No silent socket: a client that only listens must learn that nothing more will come.
                    logs.CreateLogger(typeof(ChatSocketApi)).LogError(e, "The feed of a WebSocket failed; closing it");
                    done.CancelAfter(CloseTimeout);
                    await sink.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "Something went wrong on our side; reconnect.", done.Token);
                }
            });

            // A frame the client sends at once is acted on only after the feed is subscribed, so the client gets its own change.
            await Task.WhenAny(sink.Subscribed, pushing);

            var closeStatus = WebSocketCloseStatus.NormalClosure;
            var closeReason = "Bye.";
            try
            {
                while (socket.State == WebSocketState.Open && !pushing.IsCompleted)
                {
                    // The next frame is waited for without a buffer: a socket holds one only while a frame is read.
                    if ((await socket.ReceiveAsync(Memory<byte>.Empty, done.Token)).MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    var (type, received) = await ReceiveFrameAsync(socket, serializer, done.Token);
                    if (type == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    if (type is null)
                    {
                        (closeStatus, closeReason) = (WebSocketCloseStatus.MessageTooBig, $"Frames can be at most {MaxFrameBytes} bytes.");
                        break;
                    }
                    if (type != WebSocketMessageType.Text)
                    {
                        await sink.SendErrorAsync(400, "Send text frames of JSON.", done.Token);
                        continue;
                    }
                    var result = received switch
                    {
                        { Type: "send", ChatId: { Length: > 0 } chatId } frame =>
                            await chats.SendAsync(userId, userName, chatId, frame.Content, frame.ReplyTo, frame.Attachments, done.Token),
                        { Type: "edit", ChatId: { Length: > 0 } chatId, MessageId: { Length: > 0 } messageId } frame =>
                            await chats.EditAsync(userId, chatId, messageId, frame.Content, done.Token),
                        { Type: "delete", ChatId: { Length: > 0 } chatId, MessageId: { Length: > 0 } messageId } =>
                            await chats.DeleteAsync(userId, isAdmin, chatId, messageId, done.Token),
                        { Type: "react", ChatId: { Length: > 0 } chatId, MessageId: { Length: > 0 } messageId, On: { } on } frame =>
                            await chats.ReactAsync(userId, userName, chatId, messageId, frame.Reaction, on, done.Token),
                        { Type: "typing", ChatId: { Length: > 0 } chatId } => await chats.TypingAsync(userId, userName, chatId, done.Token),
                        _ => new ChatResult.Invalid(ExpectedFrames),
                    };
                    if (result is ChatResult.Refused refused)
                    {
                        await sink.SendErrorAsync(refused.Status, refused.Detail, done.Token);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // The client went away.
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
    }

    /// <summary>The feed as JSON frames, one send at a time (feed frames and error frames share the socket).</summary>
    private sealed class SocketSink(WebSocket socket, string viewerId, JsonSerializerOptions serializer) : IFeedSink
    {
        private static readonly FrameCache<ChatChange, string> Frames = new();
        private readonly SemaphoreSlim _sending = new(1, 1);

        private static readonly FrameCache<ChatEvent, string> EphemeralFrames = new();

        public async ValueTask<bool> WriteAsync(ChatEvent chatEvent, CancellationToken ct)
        {
            if (chatEvent is PresenceChanged presence)
            {
                var data = PresenceEvent.From(presence);
                await SendAsync(await EphemeralFrames.GetAsync(presence, "", () => Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(
                    new { type = "presence", data.UserId, data.Username, data.Online, data.LastSeenAt }, serializer))), ct);
                return true;
            }
            if (chatEvent is ChatTyping typing)
            {
                await SendAsync(await EphemeralFrames.GetAsync(typing, "", () => Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(
                    new { type = "typing", chatId = typing.ChatId, userId = typing.UserId, username = typing.UserName }, serializer))), ct);
                return true;
            }
            if (chatEvent is not ChatChange change)
            {
                return false;
            }
            if (change.Kind == ChangeKind.ChatUpdated)
            {
                // The system line as a message, then the chat as it now is.
                if (change.Message is { } line)
                {
                    await SendAsync(await Frames.GetAsync(change, SystemLine, () => MessageFrame(ChangeKind.MessagePosted, line)), ct);
                }
                await SendAsync(await Frames.GetAsync(change, viewerId, () =>
                    Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(new { type = ChangeEvents.Name(change.Kind), chat = ChatResponse.From(change.Chat, viewerId) }, serializer))), ct);
                return true;
            }
            await SendAsync(await Frames.GetAsync(change, change.Message!.ReactionsOf(viewerId), (Sink: this, Change: change),
                static s => s.Sink.MessageFrame(s.Change.Kind, s.Change.Message!)), ct);
            return true;
        }

        private const string SystemLine = "system-line";

        private Task<byte[]> MessageFrame(ChangeKind kind, Domain.Message message) =>
            Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(new { type = ChangeEvents.Name(kind), message = MessageResponse.From(message, viewerId) }, serializer));

        private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Done once the feed has subscribed: from then on every change reaches this socket.</summary>
        public Task Subscribed => _subscribed.Task;

        // Accepted already: the client knows the socket is open.
        public ValueTask OpenAsync(CancellationToken ct)
        {
            _subscribed.TrySetResult();
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken ct) => ValueTask.CompletedTask;

        // The WebSocket middleware's keep-alive pings keep idle sockets open.
        public ValueTask HeartbeatAsync(CancellationToken ct) => ValueTask.CompletedTask;

        public Task SendErrorAsync(int status, string detail, CancellationToken ct) =>
            SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "error", status, detail }, serializer), ct);

        public async Task CloseOutputAsync(WebSocketCloseStatus status, string reason, CancellationToken ct)
        {
            await _sending.WaitAsync(ct);
            await socket.CloseOutputAsync(status, reason, ct);
        }

        private async Task SendAsync(byte[] frame, CancellationToken ct)
        {
            await _sending.WaitAsync(ct);
            try
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, ct);
            }
            finally
            {
                _sending.Release();
            }
        }
    }

    /// <summary>
    /// Reads one whole message, in a buffer rented for the time it takes, and parses a text message as a client frame;
    /// a null type means it was longer than <see cref="MaxFrameBytes"/>.
    /// </summary>
    private static async Task<(WebSocketMessageType? Type, ClientFrame? Frame)> ReceiveFrameAsync(WebSocket socket, JsonSerializerOptions serializer, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxFrameBytes);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == MaxFrameBytes)
                {
                    return (null, null);
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxFrameBytes - length), ct);
                length += result.Count;
                if (result.MessageType == WebSocketMessageType.Close || result.EndOfMessage)
                {
                    return (result.MessageType, result.MessageType == WebSocketMessageType.Text ? Parse(buffer.AsSpan(0, length), serializer) : null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
