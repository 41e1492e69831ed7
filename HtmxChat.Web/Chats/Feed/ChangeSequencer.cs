using System.Collections.Concurrent;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// Puts each chat's changes in version order before they reach this instance's streams, once for all of them.
/// With several instances two changes of one chat can arrive in either order (each instance publishes its own);
/// a change that arrives early is held, and if the missing versions do not follow within <see cref="GapWait"/>
/// they are read from the store. The store can have taken a version before its row is visible, so the read is
/// retried until <see cref="GapTimeout"/>; after that a version still missing is taken as superseded by a later
/// change of the same item (which carries its current state) and skipped.
/// </summary>
public sealed class ChangeSequencer(ChatHub hub, ChangeReader reader, FeedMetrics metrics, ILogger<ChangeSequencer> logger)
{
    public static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A gap wider than this is not read here: the held changes go out as they are, and each stream reads what it
    /// lacks itself (ChatFeed), rather than this instance pushing a flood through every stream's queue.
    /// </summary>
    public const int MaxGapRead = 256;

    private static readonly TimeSpan IdleLineLifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Line> _lines = new(StringComparer.Ordinal);
    private long _lastSweep = Environment.TickCount64;

    /// <summary>Where one chat's feed stands on this instance. Every field is read and written under its lock.</summary>
    private sealed class Line(long last)
    {
        public long Last = last;
        public readonly SortedList<long, ChatChange> Held = [];
        public bool Filling;

        /// <summary>Taken out of the table: whoever still holds it starts over with the table's current line.</summary>
        public bool Retired;

        public long TouchedAt = Environment.TickCount64;
    }

    public void Accept(ChatChange change)
    {
        SweepNowAndThen();
        while (true)
        {
            // The first change seen of a chat starts its line: there is nothing before it to wait for. A stream that
            // replayed to an earlier version fills that difference itself (ChatFeed).
            var line = _lines.GetOrAdd(change.ChatId, static (_, first) => new Line(first.Version - 1), change);
            var fill = false;
            lock (line)
            {
                if (line.Retired)
                {
                    continue;
                }
                line.TouchedAt = Environment.TickCount64;
                if (change.Version <= line.Last)
                {
                    return;
                }
                line.Held[change.Version] = change;
                DeliverInOrder(line);
                if (line.Held.Count > 0 && !line.Filling)
                {
                    line.Filling = fill = true;
                }
            }
            if (fill)
            {
                _ = FillAsync(change.ChatId, line);
            }
            return;
        }
    }

    /// <summary>Forgets where a chat stands, as when this instance stops receiving its changes (no one here follows it).</summary>
    public void Forget(string chatId)
    {
        if (_lines.TryRemove(chatId, out var line))
        {
            lock (line)
            {
                line.Retired = true;
            }
        }
    }

    /// <summary>Forgets every chat's position, as after missing events while the backplane was down.</summary>
    public void Reset()
    {
        foreach (var chatId in _lines.Keys)
        {
            Forget(chatId);
        }
    }

    private async Task FillAsync(string chatId, Line line)
    {
        try
        {
            await Task.Delay(GapWait);
            var deadline = Environment.TickCount64 + (long)GapTimeout.TotalMilliseconds;
            while (true)
            {
                long from;
                lock (line)
                {
                    if (line.Retired || line.Held.Count == 0)
                    {
                        line.Filling = false;
                        return;
                    }
                    if (line.Held.Keys[0] - line.Last > MaxGapRead)
                    {
                        DeliverInOrder(line, skipGaps: true);
                        line.Filling = false;
                        return;
                    }
                    from = line.Last;
                }
                metrics.GapFilled("instance");
                var stored = new List<ChatChange>();
                await foreach (var change in reader.ReadAsync(chatId, from, CancellationToken.None))
                {
                    stored.Add(change);
                    if (stored.Count >= MaxGapRead)
                    {
                        break;
                    }
                }
                var givingUp = Environment.TickCount64 >= deadline;
                lock (line)
                {
                    if (line.Retired)
                    {
                        line.Filling = false;
                        return;
                    }
                    foreach (var change in stored.Where(c => c.Version > line.Last))
                    {
                        // The stored state is at least as new as a held one of the same version.
                        line.Held[change.Version] = change;
                    }
                    DeliverInOrder(line);
                    if (givingUp && line.Held.Count > 0)
                    {
                        logger.LogWarning("Chat {ChatId}: versions {From} to {To} did not arrive; delivering what the store has", chatId, line.Last + 1, line.Held.Keys[0] - 1);
                        DeliverInOrder(line, skipGaps: true);
                    }
                    if (line.Held.Count == 0)
                    {
                        line.Filling = false;
                        return;
                    }
                }
                await Task.Delay(GapWait);
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Filling a gap in chat {ChatId} failed; its streams read what they lack themselves", chatId);
            lock (line)
            {
                line.Filling = false;
                if (!line.Retired)
                {
                    DeliverInOrder(line, skipGaps: true);
                }
            }
        }
    }

    private void DeliverInOrder(Line line, bool skipGaps = false)
    {
        while (line.Held.Count > 0)
        {
            var version = line.Held.Keys[0];
            if (version <= line.Last)
            {
                line.Held.RemoveAt(0);
                continue;
            }
            if (version != line.Last + 1 && !skipGaps)
            {
                return;
            }
            var change = line.Held.Values[0];
            line.Held.RemoveAt(0);
            line.Last = version;
            hub.Publish(change);
        }
    }

    private void SweepNowAndThen()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }
        foreach (var (chatId, line) in _lines)
        {
            lock (line)
            {
                if (now - line.TouchedAt > IdleLineLifetime.TotalMilliseconds && line.Held.Count == 0 && !line.Filling)
                {
                    line.Retired = true;
                    _lines.TryRemove(new KeyValuePair<string, Line>(chatId, line));
                }
            }
        }
    }
}
