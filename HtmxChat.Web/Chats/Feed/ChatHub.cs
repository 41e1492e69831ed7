using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// This process's fan-out: each open stream has a bounded queue. Publishing only offers the same event object to each
/// queue, so a slow reader never slows the sender or the others; one that falls a whole queue behind is ended
/// (<see cref="Subscription.Lagged"/>) and catches up from the store when it reconnects.
/// </summary>
public sealed class ChatHub(IOptions<ChatOptions> options)
{
    private readonly ConcurrentDictionary<string, Subscribers> _byUser = new(StringComparer.Ordinal);
    private readonly int _capacity = options.Value.StreamQueueCapacity;

    public int SubscriptionCount => _byUser.Values.Sum(s => s.Count);

    public Subscription Subscribe(string userId, string? sessionId = null)
    {
        var subscription = new Subscription(this, userId, sessionId, _capacity);
        while (!_byUser.GetOrAdd(userId, static _ => new Subscribers()).TryAdd(subscription))
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

    public void Publish(ChatEvent chatEvent)
    {
        foreach (var userId in chatEvent.Recipients)
        {
            if (_byUser.TryGetValue(userId, out var subscribers))
            {
                subscribers.ForEach(chatEvent, static (subscription, e) => subscription.Offer(e));
            }
        }
    }

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
    /// One person's open streams here. Adding and removing take constant time (a person can have thousands, as in a
    /// load test), and a set that became empty is retired, so nothing is added to it after it left the table.
    /// </summary>
    private sealed class Subscribers
    {
        private readonly Lock _gate = new();
        private readonly List<Subscription> _list = [];
        private bool _retired;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _list.Count;
                }
            }
        }

        public bool TryAdd(Subscription subscription)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return false;
                }
                subscription.Slot = _list.Count;
                _list.Add(subscription);
                return true;
            }
        }

        /// <summary>Takes the subscription out; true when it was the last and the set is now retired.</summary>
        public bool Remove(Subscription subscription)
        {
            lock (_gate)
            {
                var slot = subscription.Slot;
                if (slot < 0 || slot >= _list.Count || _list[slot] != subscription)
                {
                    return false;
                }
                var last = _list[^1];
                _list[slot] = last;
                last.Slot = slot;
                _list.RemoveAt(_list.Count - 1);
                subscription.Slot = -1;
                _retired = _list.Count == 0;
                return _retired;
            }
        }

        public void ForEach<TState>(TState state, Action<Subscription, TState> action)
        {
            lock (_gate)
            {
                foreach (var subscription in _list)
                {
                    action(subscription, state);
                }
            }
        }

        public void CloseWhere(Func<Subscription, bool> which) =>
            ForEach(which, static (subscription, which) =>
            {
                if (which(subscription))
                {
                    subscription.Close();
                }
            });
    }
}

public sealed class Subscription : IDisposable
{
    private readonly ChatHub _hub;
    private readonly Channel<ChatEvent> _queue;
    private volatile bool _closed;

    internal Subscription(ChatHub hub, string userId, string? sessionId, int capacity)
    {
        _hub = hub;
        UserId = userId;
        SessionId = sessionId;
        _queue = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string UserId { get; }
    public string? SessionId { get; }

    /// <summary>Where the hub keeps it among its person's subscriptions.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>The events, in publish order. Ends when the stream is ended or has fallen too far behind (<see cref="Lagged"/>).</summary>
    public ChannelReader<ChatEvent> Events => _queue.Reader;

    public bool Lagged { get; private set; }

    internal void Offer(ChatEvent chatEvent)
    {
        // Lagged is set before the queue completes, so a reader that sees the end also sees why.
        if (!_queue.Writer.TryWrite(chatEvent) && !_closed)
        {
            Lagged = true;
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>Wakes the reader to send a heartbeat (<see cref="FeedWatch"/>); a full queue has writing to do already.</summary>
    public void AskForHeartbeat() => _queue.Writer.TryWrite(HeartbeatDue.Instance);

    internal void Close()
    {
        _closed = true;
        _queue.Writer.TryComplete();
    }

    public void Dispose()
    {
        Close();
        _hub.Remove(this);
    }
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
