using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Sources;
using HtmxChat.Web.Infrastructure;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// This process's fan-out. Each open stream has a bounded queue and belongs to one of a few delivery lanes (one per
/// core). Publishing hands the event to the lanes that have a recipient's stream; each lane offers the same event object
/// to its streams' queues in publish order, and a stream waiting for news writes it there and then, on the lane's thread,
/// so a delivery costs no thread-pool hop of its own. A slow reader never slows the sender or the others: one that falls
/// a whole queue behind is ended (<see cref="Subscription.Lagged"/>) and catches up from the store when it reconnects.
/// </summary>
public sealed class ChatHub
{
    private readonly ConcurrentDictionary<string, Subscribers> _byUser = new(StringComparer.Ordinal);
    private readonly DeliveryLane[] _lanes;
    private readonly int _capacity;
    private readonly ILogger? _logger;
    private int _subscribed;

    public ChatHub(IOptions<ChatOptions> options, ILogger<ChatHub>? logger = null)
    {
        _capacity = options.Value.StreamQueueCapacity;
        _logger = logger;
        _lanes = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 64)).Select(lane => new DeliveryLane(this, lane))];
    }

    public int SubscriptionCount => _byUser.Values.Sum(s => s.Count);

    public Subscription Subscribe(string userId, string? sessionId = null)
    {
        var lane = (int)((uint)Interlocked.Increment(ref _subscribed) % (uint)_lanes.Length);
        var subscription = new Subscription(this, userId, sessionId, _capacity, lane);
        while (!_byUser.GetOrAdd(userId, static (_, lanes) => new Subscribers(lanes), _lanes.Length).TryAdd(subscription))
        {
            // That person's last stream closed just now and took the set out of the table: add to a new one.
        }
        return subscription;
    }

    /// <summary>True when any of these people has an open stream here: events for nobody here can be dropped unread.</summary>
    public bool HasAnyOf(IEnumerable<string> userIds)
    {
        foreach (var userId in userIds)
        {
            if (_byUser.ContainsKey(userId))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Hands the event to the lanes of its recipients' streams; it reaches their queues shortly after, in publish order.</summary>
    public void Publish(ChatEvent chatEvent)
    {
        var lanes = 0UL;
        foreach (var userId in chatEvent.Recipients)
        {
            if (_byUser.TryGetValue(userId, out var subscribers))
            {
                lanes |= subscribers.Lanes;
            }
        }
        for (var lane = 0; lanes != 0; lane++, lanes >>= 1)
        {
            if ((lanes & 1) != 0)
            {
                _lanes[lane].Enqueue(chatEvent);
            }
        }
    }

    /// <summary>Completes once everything published before the call has been offered to its streams.</summary>
    public Task DeliveredAsync() => Task.WhenAll(_lanes.Select(lane => lane.MarkAsync()));

    /// <summary>Ends the streams of one signed-in session (every tab of that browser), as at logout.</summary>
    public void EndSession(string userId, string sessionId) => End(userId, s => s.SessionId == sessionId);

    /// <summary>Ends every stream and socket of a person, as when an administrator locks the account.</summary>
    public void EndUser(string userId) => End(userId, _ => true);

    /// <summary>Ends every stream here; their clients reconnect and catch up from the store.</summary>
    public void EndAll()
    {
        foreach (var subscribers in _byUser.Values)
        {
            subscribers.CloseWhere(_ => true);
        }
    }

    private void End(string userId, Func<Subscription, bool> which)
    {
        if (_byUser.TryGetValue(userId, out var subscribers))
        {
            subscribers.CloseWhere(which);
        }
    }

    internal void Remove(Subscription subscription)
    {
        if (_byUser.TryGetValue(subscription.UserId, out var subscribers) && subscribers.Remove(subscription))
        {
            _byUser.TryRemove(new KeyValuePair<string, Subscribers>(subscription.UserId, subscribers));
        }
    }

    /// <summary>
    /// Offers one lane's events to that lane's streams, one event after another, on a pool thread while it has work. A
    /// stream waiting for news runs its write inline here (its subscription wakes it on the offering thread); one still
    /// busy with an earlier write finds the event in its queue when that write is done.
    /// </summary>
    private sealed class DeliveryLane(ChatHub hub, int lane) : IThreadPoolWorkItem
    {
        private readonly RunQueue<object> _work = new();
        private Subscription[] _streams = new Subscription[16];

        public void Enqueue(object work)
        {
            if (_work.Add(work))
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        public Task MarkAsync()
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Enqueue(reached);
            return reached.Task;
        }

        public void Execute()
        {
            do
            {
                while (_work.TryDequeue(out var work))
                {
                    if (work is ChatEvent chatEvent)
                    {
                        try
                        {
                            Deliver(chatEvent);
                        }
                        catch (Exception e)
                        {
                            // One event that cannot be delivered must not stop the lane (or, thrown from a pool thread, the process).
                            hub._logger?.LogError(e, "Delivering a {Event} failed", chatEvent.GetType().Name);
                        }
                    }
                    else
                    {
                        ((TaskCompletionSource)work).TrySetResult();
                    }
                }
            }
            while (_work.GiveBack());
        }

        private void Deliver(ChatEvent chatEvent)
        {
            foreach (var userId in chatEvent.Recipients)
            {
                if (!hub._byUser.TryGetValue(userId, out var subscribers))
                {
                    continue;
                }
                // Copied out first: a stream that ends while being written to leaves the set, here on this thread.
                var count = subscribers.CopyLane(lane, ref _streams);
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        _streams[i].Offer(chatEvent);
                    }
                }
                finally
                {
                    Array.Clear(_streams, 0, count);
                }
            }
        }
    }

    /// <summary>
    /// One person's open streams here, by lane. Adding and removing take constant time (a person can have thousands, as
    /// in a load test), and a set that became empty is retired, so nothing is added to it after it left the table.
    /// </summary>
    private sealed class Subscribers(int lanes)
    {
        private readonly Lock _gate = new();
        private readonly List<Subscription>[] _byLane = [.. Enumerable.Range(0, lanes).Select(_ => new List<Subscription>())];
        private int _count;
        private ulong _lanes;
        private bool _retired;

        public int Count => Volatile.Read(ref _count);

        /// <summary>A bit for each lane that has one of these streams.</summary>
        public ulong Lanes => Volatile.Read(ref _lanes);

        public bool TryAdd(Subscription subscription)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return false;
                }
                var list = _byLane[subscription.Lane];
                subscription.Slot = list.Count;
                list.Add(subscription);
                _count++;
                Volatile.Write(ref _lanes, _lanes | (1UL << subscription.Lane));
                return true;
            }
        }

        /// <summary>Takes the subscription out; true when it was the last and the set is now retired.</summary>
        public bool Remove(Subscription subscription)
        {
            lock (_gate)
            {
                var list = _byLane[subscription.Lane];
                var slot = subscription.Slot;
                if (slot < 0 || slot >= list.Count || list[slot] != subscription)
                {
                    return false;
                }
                var last = list[^1];
                list[slot] = last;
                last.Slot = slot;
                list.RemoveAt(list.Count - 1);
                subscription.Slot = -1;
                _count--;
                if (list.Count == 0)
                {
                    Volatile.Write(ref _lanes, _lanes & ~(1UL << subscription.Lane));
                }
                _retired = _count == 0;
                return _retired;
            }
        }

        /// <summary>Copies one lane's streams into <paramref name="into"/> (grown as needed); returns how many.</summary>
        public int CopyLane(int lane, ref Subscription[] into)
        {
            lock (_gate)
            {
                var list = _byLane[lane];
                if (into.Length < list.Count)
                {
                    into = new Subscription[Math.Max(list.Count, into.Length * 2)];
                }
                list.CopyTo(into);
                return list.Count;
            }
        }

        public void CloseWhere(Func<Subscription, bool> which)
        {
            List<Subscription> closing;
            lock (_gate)
            {
                closing = [.. _byLane.SelectMany(list => list).Where(which)];
            }
            // Outside the lock: a stream's end runs inline (it leaves the set, and its request finishes).
            closing.ForEach(subscription => subscription.Close());
        }
    }
}

/// <summary>
/// One open stream's queue: events offered by its lane (and heartbeat asks) in order, read by the stream alone. It holds
/// at most the configured capacity; an offer beyond that ends it as <see cref="Lagged"/>. A stream lives for hours and
/// there may be tens of thousands, so it is one small object: the ring is made on the first event and grows as needed, and
/// the reader's wait is this object itself, reset for each wait.
/// </summary>
public sealed class Subscription : IDisposable, IValueTaskSource<bool>
{
    private readonly ChatHub _hub;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private ChatEvent[] _ring = [];
    private int _head;
    private int _count;
    private bool _ended;
    private bool _readerWaiting;
    // The reader waiting for news runs on the thread that offers it (a delivery lane), instead of a pool thread each.
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = false };

    internal Subscription(ChatHub hub, string userId, string? sessionId, int capacity, int lane)
    {
        _hub = hub;
        UserId = userId;
        SessionId = sessionId;
        _capacity = capacity;
        Lane = lane;
    }

    public string UserId { get; }
    public string? SessionId { get; }

    /// <summary>The delivery lane that offers this stream its events.</summary>
    internal int Lane { get; }

    /// <summary>Where the hub keeps it among its person's subscriptions in its lane.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>It fell a whole queue behind and was ended; what it holds is still read first.</summary>
    public bool Lagged { get; private set; }

    /// <summary>Ended (closed or lagged), and everything in it has been read.</summary>
    public bool Ended
    {
        get
        {
            lock (_gate)
            {
                return _ended && _count == 0;
            }
        }
    }

    /// <summary>
    /// True once there is an event to read; false when the queue has ended and everything in it was read. Only one wait at
    /// a time. Waiting runs the continuation on the offering thread: keep what follows a wait short and non-blocking.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_gate)
        {
            if (_count > 0 || _ended)
            {
                return new ValueTask<bool>(_count > 0);
            }
            Debug.Assert(!_readerWaiting, "One reader, one wait at a time.");
            _wake.Reset();
            _readerWaiting = true;
            return new ValueTask<bool>(this, _wake.Version);
        }
    }

    public bool TryRead([MaybeNullWhen(false)] out ChatEvent chatEvent)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                chatEvent = null;
                return false;
            }
            chatEvent = _ring[_head];
            _ring[_head] = null!;
            _head = (_head + 1) % _ring.Length;
            _count--;
            return true;
        }
    }

    internal void Offer(ChatEvent chatEvent) => Add(chatEvent, endWhenFull: true);

    /// <summary>Wakes the reader to send a heartbeat (<see cref="FeedWatch"/>); a full queue has writing to do already.</summary>
    public void AskForHeartbeat() => Add(HeartbeatDue.Instance, endWhenFull: false);

    /// <summary>Ends the queue: the reader sees the end once it has read what is in it.</summary>
    public void Close()
    {
        bool wake;
        lock (_gate)
        {
            _ended = true;
            wake = TakeWaitingReader();
        }
        if (wake)
        {
            _wake.SetResult(false);
        }
    }

    public void Dispose()
    {
        Close();
        _hub.Remove(this);
    }

    private void Add(ChatEvent chatEvent, bool endWhenFull)
    {
        bool wake;
        bool hasEvents;
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            if (_count == _capacity)
            {
                if (!endWhenFull)
                {
                    return;
                }
                // Lagged is set before the queue ends, so a reader that sees the end also sees why.
                Lagged = true;
                _ended = true;
            }
            else
            {
                if (_count == _ring.Length)
                {
                    Grow();
                }
                _ring[(_head + _count) % _ring.Length] = chatEvent;
                _count++;
            }
            wake = TakeWaitingReader();
            hasEvents = _count > 0;
        }
        if (wake)
        {
            // Outside the lock: the reader's continuation runs here.
            _wake.SetResult(hasEvents);
        }
    }

    private void Grow()
    {
        var ring = new ChatEvent[Math.Min(_capacity, Math.Max(4, _ring.Length * 2))];
        for (var i = 0; i < _count; i++)
        {
            ring[i] = _ring[(_head + i) % _ring.Length];
        }
        _ring = ring;
        _head = 0;
    }

    /// <summary>Whether the reader is waiting, in which case the caller completes its wait (after leaving the lock).</summary>
    private bool TakeWaitingReader()
    {
        var waiting = _readerWaiting;
        _readerWaiting = false;
        return waiting;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}

/// <summary>Not an event of any chat: the connection has been quiet for the heartbeat time (<see cref="FeedWatch"/>).</summary>
public sealed class HeartbeatDue : ChatEvent
{
    public static readonly HeartbeatDue Instance = new();

    private HeartbeatDue()
    {
    }

    public override IEnumerable<string> Recipients => [];
}
