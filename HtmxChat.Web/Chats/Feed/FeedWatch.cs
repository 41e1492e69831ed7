using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// The clock of every open connection, kept by one timer instead of a timer per connection per wait: a few times a
/// second it asks each connection that has been quiet for the heartbeat time for a heartbeat, cancels each one whose
/// current write has made no progress for the stall time, and ends each one whose time is up (a token's expiry). A
/// delivery then costs no timer and no cancellation source, and an open stream keeps none of its own, which matters
/// when one message goes to thousands of streams.
/// </summary>
public sealed class FeedWatch : IDisposable
{
    private readonly ConcurrentDictionary<Watched, byte> _connections = new();
    private readonly long _heartbeat;
    private readonly long _stallAfter;
    private readonly ITimer _timer;
    private readonly TimeProvider _clock;

    public FeedWatch(IOptions<ChatOptions> options, TimeProvider clock)
    {
        _clock = clock;
        _heartbeat = (long)(options.Value.HeartbeatSeconds * Stopwatch.Frequency);
        _stallAfter = (long)(options.Value.WriteStallSeconds * Stopwatch.Frequency);
        var every = TimeSpan.FromSeconds(Math.Min(options.Value.HeartbeatSeconds, options.Value.WriteStallSeconds) / 4.0);
        _timer = clock.CreateTimer(_ => Check(), null, every, every);
    }

    /// <summary>Watches a connection until the returned handle is disposed; <paramref name="endsAt"/> ends it then.</summary>
    public Watched Watch(CancellationToken connectionToken, Action heartbeatDue, DateTimeOffset? endsAt = null)
    {
        var watched = new Watched(this, connectionToken, heartbeatDue, endsAt);
        _connections.TryAdd(watched, 0);
        return watched;
    }

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        var time = _clock.GetUtcNow();
        foreach (var watched in _connections.Keys)
        {
            try
            {
                watched.Check(now, time, _heartbeat, _stallAfter);
            }
            catch (ObjectDisposedException)
            {
                // It ended while being looked at.
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>One connection: its lifetime token (cancelled when it stalls) and when it last wrote.</summary>
    public sealed class Watched : IDisposable
    {
        private readonly FeedWatch _watch;
        private readonly CancellationTokenSource _life;
        private readonly Action _heartbeatDue;
        private readonly DateTimeOffset? _endsAt;
        private long _lastWrite = Stopwatch.GetTimestamp();
        private long _writeStarted;
        private long _heartbeatAsked;

        internal Watched(FeedWatch watch, CancellationToken connectionToken, Action heartbeatDue, DateTimeOffset? endsAt)
        {
            _watch = watch;
            _life = CancellationTokenSource.CreateLinkedTokenSource(connectionToken);
            _heartbeatDue = heartbeatDue;
            _endsAt = endsAt;
        }

        /// <summary>Ends when the connection does, when a write stalls (<see cref="Stalled"/>) or when its time is up (<see cref="Expired"/>).</summary>
        public CancellationToken Token => _life.Token;

        public bool Stalled { get; private set; }

        public bool Expired { get; private set; }

        /// <summary>A write is starting: it has the stall time to finish (each write of a batch, from the one before).</summary>
        public void WriteStarting() => Volatile.Write(ref _writeStarted, Stopwatch.GetTimestamp());

        /// <summary>The batch is over; <paramref name="wrote"/> when something went on the wire, which puts off the heartbeat.</summary>
        public void WritesDone(bool wrote)
        {
            Volatile.Write(ref _writeStarted, 0);
            if (wrote)
            {
                Volatile.Write(ref _lastWrite, Stopwatch.GetTimestamp());
            }
        }

        internal void Check(long now, DateTimeOffset time, long heartbeat, long stallAfter)
        {
            if (time >= _endsAt && !Expired)
            {
                Expired = true;
                _life.Cancel();
                return;
            }
            var started = Volatile.Read(ref _writeStarted);
            if (started != 0)
            {
                if (now - started > stallAfter && !Stalled)
                {
                    Stalled = true;
                    _life.Cancel();
                }
                return;
            }
            var quietSince = Math.Max(Volatile.Read(ref _lastWrite), Volatile.Read(ref _heartbeatAsked));
            if (now - quietSince >= heartbeat)
            {
                Volatile.Write(ref _heartbeatAsked, now);
                _heartbeatDue();
            }
        }

        public void Dispose()
        {
            _watch._connections.TryRemove(this, out _);
            _life.Dispose();
        }
    }
}
