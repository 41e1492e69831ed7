using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>What one connection follows.</summary>
public sealed record FeedRequest(string UserId, Transport Transport)
{
    /// <summary>The browser session, so logging out ends its streams.</summary>
    public string? SessionId { get; init; }

    /// <summary>A chat whose changes are delivered exactly, in version order (the API stream's chat, the browser's open chat).</summary>
    public Chat? Chat
    {
        init => Follow = value is null ? [] : [new FollowedChat(value, Follow is [var old] ? old.ResumeAfter : null)];
    }

    /// <summary>Replay the chat's changes after this version first (Last-Event-ID); null starts with what happens next.</summary>
    public long? ResumeAfter
    {
        get => Follow is [var only] ? only.ResumeAfter : null;
        init => Follow = Follow is [var only] ? [only with { ResumeAfter = value }]
            : value is null ? Follow : throw new InvalidOperationException("Set Chat first.");
    }

    /// <summary>
    /// The chats whose changes are delivered exactly, each from its own resume point: one for the API stream and a tab's
    /// own stream, several for the stream a browser's tabs share.
    /// </summary>
    public IReadOnlyList<FollowedChat> Follow { get; init; } = [];

    /// <summary>When the connection ends, as the token it was opened with expires; null: it lasts while the client stays.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Deliver the changes of every chat of the person exactly (the WebSocket).</summary>
    public bool AllChats { get; init; }

    /// <summary>
    /// Removal from a followed chat does not end the connection (the stream a browser's tabs share: the other tabs' chats
    /// go on); otherwise a connection that follows only that chat ends with it.
    /// </summary>
    public bool OutlivesRemoval { get; init; }
}

/// <summary>
/// A chat a connection follows, and the version to replay its changes after (null: from what happens next). Only the
/// chat's id and version are kept: a stream lives for hours, and the chat as read when it opened is of no use after.
/// </summary>
public sealed record FollowedChat(string ChatId, long Version, long? ResumeAfter)
{
    public FollowedChat(Chat chat, long? resumeAfter) : this(chat.Id, chat.Version, resumeAfter)
    {
    }
}

public enum FeedEnd
{
    /// <summary>The client went away, or the caller's token ran out.</summary>
    ClientLeft,

    /// <summary>
    /// Ended on purpose: logout, an account lock, the person removed from the followed chat, or the backplane coming back
    /// (clients catch up on reconnect).
    /// </summary>
    Ended,

    /// <summary>Fell a whole queue behind; reconnecting catches up from the store.</summary>
    Lagged,

    /// <summary>Writes made no progress for <see cref="ChatOptions.WriteStallSeconds"/>: the client stopped reading.</summary>
    Stalled,
}

/// <summary>How a transport puts the feed on the wire: HTML fragments, JSON events or JSON frames.</summary>
public interface IFeedSink
{
    /// <summary>Tells the client the connection is live: called once the feed is subscribed, before anything is read or written.</summary>
    ValueTask OpenAsync(CancellationToken ct);

    /// <summary>Formats and writes one event (it may stay buffered until <see cref="FlushAsync"/>); false for one this transport does not carry.</summary>
    ValueTask<bool> WriteAsync(ChatEvent chatEvent, CancellationToken ct);

    /// <summary>Sends what was written: the end of a batch.</summary>
    ValueTask FlushAsync(CancellationToken ct);

    /// <summary>Keeps an idle connection open through proxies.</summary>
    ValueTask HeartbeatAsync(CancellationToken ct);
}

/// <summary>
/// The one delivery loop for every transport: subscribe, then read the store (so nothing stored in between is
/// lost), replay what the client missed, then deliver live events in version order, skipping what was already sent
/// and filling any gap from the store. Idle connections get heartbeats; a reader that falls a queue behind, or
/// whose writes stop making progress, is let go.
/// </summary>
public sealed class ChatFeed(
    ChatHub hub, ChangeReader reader, IChatRepository chats, PresenceTracker presence, FeedMetrics metrics, FeedWatch watch)
{
    public async Task<FeedEnd> RunAsync(FeedRequest request, IFeedSink sink, CancellationToken ct)
    {
        using var subscription = hub.Subscribe(request.UserId, request.SessionId);
        using var watched = watch.Watch(ct, subscription.AskForHeartbeat, request.EndsAt);
        // The queue is waited on without a token (a wait with one costs a registration per delivery): the end of the
        // connection ends the queue instead, from a pool thread rather than inline in whoever cancelled.
        using var wake = watched.Token.UnsafeRegister(static s => ThreadPool.UnsafeQueueUserWorkItem(static s => s.Close(), (Subscription)s!, preferLocal: false), subscription);
        metrics.StreamOpened(request.Transport);
        presence.Connected(request.UserId);
        var connection = new Connection(request, sink, watched);
        try
        {
            // Subscribed first: whatever is stored while the store is read arrives live too, and is skipped if replayed.
            await sink.OpenAsync(connection.Token);
            await StartAsync(connection);
            var end = await PumpAsync(connection, subscription);
            if (end == FeedEnd.Lagged)
            {
                metrics.LaggardCut(request.Transport, "behind");
            }
            return end;
        }
        catch (OperationCanceledException) when (connection.Stalled)
        {
            metrics.LaggardCut(request.Transport, "stalled");
            return FeedEnd.Stalled;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || connection.Expired)
        {
            return FeedEnd.ClientLeft;
        }
        finally
        {
            presence.Disconnected(request.UserId);
            metrics.StreamClosed(request.Transport);
        }
    }

    /// <summary>Where a followed chat stands on this connection.</summary>
    /// <param name="Version">The newest version delivered, or where the connection started.</param>
    /// <param name="Strict">
    /// True once the client has that version (it resumed there, or it was delivered): anything at or below it is a
    /// repeat. False for a fresh start, where a change at or below it was stored just as the connection opened, and is
    /// still news to the client.
    /// </param>
    private readonly record struct Position(long Version, bool Strict);

    /// <summary>
    /// Where each followed chat stands on a connection. Most connections follow one chat for hours, so the first is kept
    /// in place and a dictionary is made only for more.
    /// </summary>
    private sealed class Positions
    {
        private string? _firstChat;
        private Position _first;
        private Dictionary<string, Position>? _others;

        public Position this[string chatId]
        {
            set
            {
                if (_firstChat == chatId || (_firstChat is null && _others?.ContainsKey(chatId) != true))
                {
                    (_firstChat, _first) = (chatId, value);
                }
                else
                {
                    (_others ??= new(StringComparer.Ordinal))[chatId] = value;
                }
            }
        }

        public bool TryGetValue(string chatId, out Position position)
        {
            if (_firstChat == chatId)
            {
                position = _first;
                return true;
            }
            position = default;
            return _others?.TryGetValue(chatId, out position) == true;
        }

        public bool TryAdd(string chatId, Position position)
        {
            if (TryGetValue(chatId, out _))
            {
                return false;
            }
            this[chatId] = position;
            return true;
        }

        public bool Remove(string chatId, out Position position)
        {
            if (_firstChat == chatId)
            {
                (position, _firstChat, _first) = (_first, null, default);
                return true;
            }
            position = default;
            return _others?.Remove(chatId, out position) == true;
        }
    }

    /// <summary>A connection's writes, each watched for progress by the <see cref="FeedWatch"/>.</summary>
    private sealed class Connection(FeedRequest request, IFeedSink sink, FeedWatch.Watched watched)
    {
        public FeedRequest Request { get; } = request;
        public Positions Positions { get; } = new();

        /// <summary>Ends when the client leaves or a write stalls.</summary>
        public CancellationToken Token => watched.Token;

        /// <summary>A write made no progress for the stall time: the client stopped reading.</summary>
        public bool Stalled => watched.Stalled;

        /// <summary>Its time was up (<see cref="FeedRequest.EndsAt"/>).</summary>
        public bool Expired => watched.Expired;

        /// <summary>The person was taken out of the followed chat: this batch is the last.</summary>
        public bool Removed { get; set; }

        public async Task<bool> WriteAsync(ChatEvent chatEvent)
        {
            watched.WriteStarting();
            return await sink.WriteAsync(chatEvent, Token);
        }

        public async Task FlushAsync()
        {
            watched.WriteStarting();
            await sink.FlushAsync(Token);
            watched.WritesDone(wrote: true);
        }

        public async Task HeartbeatAsync()
        {
            watched.WriteStarting();
            await sink.HeartbeatAsync(Token);
            watched.WritesDone(wrote: true);
        }

        /// <summary>A batch that wrote nothing after all (events this transport does not carry) is no write to watch.</summary>
        public void NothingWritten() => watched.WritesDone(wrote: false);
    }

    private async Task StartAsync(Connection connection)
    {
        var request = connection.Request;
        if (request.AllChats)
        {
            foreach (var chat in await chats.ListForUserAsync(request.UserId, ChatService.MaxChatsListed, connection.Token))
            {
                connection.Positions[chat.Id] = new Position(chat.Version, Strict: false);
            }
        }
        var written = 0;
        foreach (var (chatId, version, resumeAfter) in request.Follow)
        {
            if (resumeAfter is not { } after)
            {
                // Read after subscribing: a change stored in between is then either counted here or delivered live.
                var current = await chats.FindAsync(chatId, connection.Token);
                connection.Positions[chatId] = new Position(current?.Version ?? version, Strict: false);
                continue;
            }
            connection.Positions[chatId] = new Position(after, Strict: true);
            await foreach (var change in reader.CatchUpAsync(chatId, after, connection.Token))
            {
                written += await connection.WriteAsync(change) ? 1 : 0;
                connection.Positions[chatId] = new Position(change.Version, Strict: true);
            }
        }
        if (request.Follow.Any(f => f.ResumeAfter is not null))
        {
            await connection.FlushAsync();
            if (written > 0)
            {
                metrics.Delivered(request.Transport, written);
            }
        }
    }

    private async Task<FeedEnd> PumpAsync(Connection connection, Subscription subscription)
    {
        while (true)
        {
            if (!await subscription.WaitToReadAsync())
            {
                connection.Token.ThrowIfCancellationRequested();
                return subscription.Lagged ? FeedEnd.Lagged : FeedEnd.Ended;
            }
            var written = 0;
            var heartbeatDue = false;
            while (subscription.TryRead(out var chatEvent))
            {
                if (chatEvent is HeartbeatDue)
                {
                    heartbeatDue = true;
                    continue;
                }
                written += await WriteLiveAsync(connection, chatEvent);
            }
            if (written > 0)
            {
                await connection.FlushAsync();
                metrics.Delivered(connection.Request.Transport, written);
            }
            else if (heartbeatDue)
            {
                await connection.HeartbeatAsync();
            }
            else
            {
                connection.NothingWritten();
            }
            if (connection.Removed)
            {
                return FeedEnd.Ended;
            }
        }
    }

    /// <summary>Writes one live event; for a followed chat, in version order and once. Returns how many events were written.</summary>
    private async Task<int> WriteLiveAsync(Connection connection, ChatEvent chatEvent)
    {
        if (chatEvent is ChatStarted started && connection.Request.AllChats)
        {
            connection.Positions.TryAdd(started.Chat.Id, new Position(started.Chat.Version, Strict: false));
        }
        if (chatEvent is ChatChange removal && removal.Removes(connection.Request.UserId))
        {
            // The last of this chat the person gets: the line that says so (unless a replay gave it already). A stream
            // of only this chat ends with it.
            var replayed = connection.Positions.Remove(removal.ChatId, out var at) && at.Strict && removal.Version <= at.Version;
            // A stream of only this chat ends with it; one that follows others too goes on with those.
            connection.Removed = !connection.Request.OutlivesRemoval && connection.Request.Follow is [var only] && only.ChatId == removal.ChatId;
            return !replayed && await connection.WriteAsync(removal) ? 1 : 0;
        }
        if (chatEvent is not ChatChange change || !Follows(connection, change, out var position))
        {
            return await connection.WriteAsync(chatEvent) ? 1 : 0;
        }
        if (change.Version <= position.Version)
        {
            return position.Strict ? 0 : await connection.WriteAsync(change) ? 1 : 0;
        }
        var written = 0;
        var last = position.Version;
        if (change.Version > last + 1)
        {
            // This instance started following the chat after this connection did (see ChangeSequencer): read the difference.
            metrics.GapFilled("stream");
            await foreach (var stored in reader.ReadAsync(change.ChatId, last, connection.Token))
            {
                written += await connection.WriteAsync(stored) ? 1 : 0;
                last = stored.Version;
            }
            connection.Positions[change.ChatId] = new Position(last, Strict: true);
            if (change.Version <= last)
            {
                return written;
            }
        }
        connection.Positions[change.ChatId] = new Position(change.Version, Strict: true);
        return written + (await connection.WriteAsync(change) ? 1 : 0);
    }

    private static bool Follows(Connection connection, ChatChange change, out Position position)
    {
        if (connection.Positions.TryGetValue(change.ChatId, out position))
        {
            return true;
        }
        if (connection.Request.AllChats)
        {
            // A chat this connection had not listed (beyond the list's limit): follow it from here.
            position = new Position(change.Version - 1, Strict: false);
            connection.Positions[change.ChatId] = position;
            return true;
        }
        return false;
    }
}
