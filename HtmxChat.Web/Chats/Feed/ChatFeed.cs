using System.Diagnostics;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>What one connection follows.</summary>
public sealed record FeedRequest(string UserId, Transport Transport)
{
    /// <summary>The browser session, so logging out ends its streams.</summary>
    public string? SessionId { get; init; }

    /// <summary>A chat whose changes are delivered exactly, in version order (the API stream's chat, the browser's open chat).</summary>
    public Chat? Chat { get; init; }

    /// <summary>Replay the chat's changes after this version first (Last-Event-ID); null starts with what happens next.</summary>
    public long? ResumeAfter { get; init; }

    /// <summary>Deliver the changes of every chat of the person exactly (the WebSocket).</summary>
    public bool AllChats { get; init; }
}

public enum FeedEnd
{
    /// <summary>The client went away, or the caller's token ran out.</summary>
    ClientLeft,

    /// <summary>Ended on purpose: logout, an account lock, or the backplane coming back (clients catch up on reconnect).</summary>
    Ended,

    /// <summary>Fell a whole queue behind; reconnecting catches up from the store.</summary>
    Lagged,

    /// <summary>Writes made no progress for <see cref="ChatOptions.WriteStallSeconds"/>: the client stopped reading.</summary>
    Stalled,
}

/// <summary>How a transport puts the feed on the wire: HTML fragments, JSON events or JSON frames.</summary>
public interface IFeedSink
{
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
public sealed class ChatFeed(ChatHub hub, ChangeReader reader, IChatRepository chats, FeedMetrics metrics, IOptions<ChatOptions> options)
{
    public async Task<FeedEnd> RunAsync(FeedRequest request, IFeedSink sink, CancellationToken ct)
    {
        using var subscription = hub.Subscribe(request.UserId, request.SessionId);
        metrics.StreamOpened(request.Transport);
        using var stall = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, stall.Token);
        var connection = new Connection(request, sink, stall, linked.Token, TimeSpan.FromSeconds(options.Value.WriteStallSeconds));
        try
        {
            // Subscribed first: whatever is stored while the store is read arrives live too, and is skipped if replayed.
            await StartAsync(connection);
            var end = await PumpAsync(connection, subscription, TimeSpan.FromSeconds(options.Value.HeartbeatSeconds));
            if (end == FeedEnd.Lagged)
            {
                metrics.LaggardCut(request.Transport, "behind");
            }
            return end;
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            metrics.LaggardCut(request.Transport, "stalled");
            return FeedEnd.Stalled;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return FeedEnd.ClientLeft;
        }
        finally
        {
            metrics.StreamClosed(request.Transport);
        }
    }

    private sealed class Connection(FeedRequest request, IFeedSink sink, CancellationTokenSource stall, CancellationToken token, TimeSpan stallAfter)
    {
        public FeedRequest Request { get; } = request;
        public IFeedSink Sink { get; } = sink;
        public CancellationToken Token { get; } = token;

        /// <summary>Per followed chat, the newest version this connection has delivered.</summary>
        public Dictionary<string, long> Positions { get; } = new(StringComparer.Ordinal);

        public long LastWrite { get; set; } = Stopwatch.GetTimestamp();

        /// <summary>Writes from here on must make progress within the stall time.</summary>
        public void Arm() => stall.CancelAfter(stallAfter);

        public void Disarm() => stall.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    private async Task StartAsync(Connection connection)
    {
        var request = connection.Request;
        if (request.AllChats)
        {
            foreach (var chat in await chats.ListForUserAsync(request.UserId, ChatService.MaxChatsListed, connection.Token))
            {
                connection.Positions[chat.Id] = chat.Version;
            }
        }
        if (request.Chat is not { } followed)
        {
            return;
        }
        connection.Positions[followed.Id] = request.ResumeAfter ?? followed.Version;
        if (request.ResumeAfter is { } after)
        {
            var written = 0;
            await foreach (var change in reader.ReadAsync(followed, after, connection.Token))
            {
                connection.Arm();
                written += await connection.Sink.WriteAsync(change, connection.Token) ? 1 : 0;
                connection.Positions[followed.Id] = change.Version;
            }
            connection.Arm();
            await connection.Sink.FlushAsync(connection.Token);
            connection.Disarm();
            Delivered(connection, written);
        }
    }

    private async Task<FeedEnd> PumpAsync(Connection connection, Subscription subscription, TimeSpan heartbeat)
    {
        var events = subscription.Events;
        while (true)
        {
            var quietFor = heartbeat - Stopwatch.GetElapsedTime(connection.LastWrite);
            if (quietFor <= TimeSpan.Zero)
            {
                connection.Arm();
                await connection.Sink.HeartbeatAsync(connection.Token);
                connection.Disarm();
                connection.LastWrite = Stopwatch.GetTimestamp();
                continue;
            }
            bool open;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(connection.Token))
            {
                idle.CancelAfter(quietFor);
                try
                {
                    open = await events.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!connection.Token.IsCancellationRequested)
                {
                    continue;
                }
            }
            if (!open)
            {
                return subscription.Lagged ? FeedEnd.Lagged : FeedEnd.Ended;
            }
            connection.Arm();
            var written = 0;
            while (events.TryRead(out var chatEvent))
            {
                written += await WriteLiveAsync(connection, chatEvent);
            }
            if (written > 0)
            {
                await connection.Sink.FlushAsync(connection.Token);
                Delivered(connection, written);
            }
            connection.Disarm();
        }
    }

    /// <summary>Writes one live event; for a followed chat, in version order and once. Returns how many events were written.</summary>
    private async Task<int> WriteLiveAsync(Connection connection, ChatEvent chatEvent)
    {
        if (chatEvent is ChatStarted started && connection.Request.AllChats)
        {
            connection.Positions.TryAdd(started.Chat.Id, started.Chat.Version);
        }
        if (chatEvent is not ChatChange change || !Follows(connection, change, out var last))
        {
            return await connection.Sink.WriteAsync(chatEvent, connection.Token) ? 1 : 0;
        }
        if (change.Version <= last)
        {
            return 0;
        }
        var written = 0;
        if (change.Version > last + 1)
        {
            // This instance started following the chat after this connection did (see ChangeSequencer): read the difference.
            metrics.GapFilled("stream");
            await foreach (var stored in reader.ReadAsync(change.Chat, last, connection.Token))
            {
                written += await connection.Sink.WriteAsync(stored, connection.Token) ? 1 : 0;
                last = stored.Version;
            }
            connection.Positions[change.ChatId] = last;
            if (change.Version <= last)
            {
                return written;
            }
        }
        connection.Positions[change.ChatId] = change.Version;
        return written + (await connection.Sink.WriteAsync(change, connection.Token) ? 1 : 0);
    }

    private static bool Follows(Connection connection, ChatChange change, out long last)
    {
        if (connection.Positions.TryGetValue(change.ChatId, out last))
        {
            return true;
        }
        if (connection.Request.AllChats)
        {
            // A chat this connection had not listed (beyond the list's limit): follow it from here.
            last = change.Version - 1;
            connection.Positions[change.ChatId] = last;
            return true;
        }
        return false;
    }

    private void Delivered(Connection connection, int written)
    {
        if (written > 0)
        {
            metrics.Delivered(connection.Request.Transport, written);
            connection.LastWrite = Stopwatch.GetTimestamp();
        }
    }
}
