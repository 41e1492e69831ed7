using System.Text.Json;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using StackExchange.Redis;

namespace HtmxChat.Web.Scaling;

/// <summary>
/// Every instance's streams through one Redis pub/sub channel. An event is delivered to this instance's streams
/// directly and published for the others, so local delivery never waits on (or needs) Redis. Each instance receives
/// every event and drops, unread, those for people with no stream on it; the README says up to what size one
/// channel does and what comes next. Redis never holds the only copy: the store does. When an instance's connection
/// comes back after an outage, it asks every instance (itself included) to resync: end every stream, whose clients
/// reconnect and catch up from the store, so what was published into the outage on either side is not lost.
/// </summary>
public sealed class RedisEventBus(
    IConnectionMultiplexer redis, RedisKeys keys, LocalEventBus local, ChatHub hub, ChangeSequencer sequencer, AccountCache accounts, FeedMetrics metrics,
    ILogger<RedisEventBus> logger)
    : IChatEventBus, IHostedService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan ResyncDebounce = TimeSpan.FromSeconds(1);
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private volatile bool _subscribed;
    private long _lastResync;

    public void Publish(ChatEvent chatEvent)
    {
        local.Publish(chatEvent);
        Send(chatEvent switch
        {
            ChatChange change => new Envelope(EnvelopeType.Change) { Kind = change.Kind, Chat = change.Chat, Message = change.Message, UserId = change.RemovedUserId, Added = change.AddedUserIds },
            ChatRead read => new Envelope(EnvelopeType.Read) { UserId = read.UserId, ChatId = read.ChatId, Unread = read.Unread },
            ChatStarted started => new Envelope(EnvelopeType.Started) { Chat = started.Chat },
            ChatTyping typing => new Envelope(EnvelopeType.Typing) { ChatId = typing.ChatId, UserId = typing.UserId, UserName = typing.UserName, Recipients = typing.Others },
            NotificationsSet set => new Envelope(EnvelopeType.Notifications) { UserId = set.UserId, ChatId = set.ChatId, Level = set.Level },
            PresenceChanged presence => new Envelope(EnvelopeType.Presence)
            {
                UserId = presence.UserId, UserName = presence.UserName, Online = presence.Online, LastSeenAt = presence.LastSeenAt,
                ChatIds = presence.ChatIds, Recipients = presence.Others,
            },
            _ => throw new ArgumentException($"No wire form for {chatEvent.GetType().Name}.", nameof(chatEvent)),
        });
    }

    public void EndSession(string userId, string sessionId)
    {
        local.EndSession(userId, sessionId);
        Send(new Envelope(EnvelopeType.EndSession) { UserId = userId, SessionId = sessionId });
    }

    public void EndUser(string userId)
    {
        local.EndUser(userId);
        Send(new Envelope(EnvelopeType.EndUser) { UserId = userId });
    }

    public void AccountChanged(string userId)
    {
        local.AccountChanged(userId);
        Send(new Envelope(EnvelopeType.AccountChanged) { UserId = userId });
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        metrics.BackplaneConnected(redis.IsConnected);
        // Until subscribed, account changes on other instances go unheard.
        accounts.Suspend();
        await SubscribeAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        if (_subscribed)
        {
            try
            {
                await redis.GetSubscriber().UnsubscribeAsync(keys.Changes);
            }
            catch (RedisException)
            {
                // Going away anyway.
            }
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            // The client keeps the subscription across reconnects. Handlers may run concurrently; the sequencer orders.
            await redis.GetSubscriber().SubscribeAsync(keys.Changes, (_, value) => Receive(value));
            _subscribed = true;
            if (redis.IsConnected)
            {
                accounts.Resume();
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Redis is unreachable: live delivery reaches this instance's streams only until it is back");
            try
            {
                // A half-made subscription would be restored on reconnect next to the one made then.
                await redis.GetSubscriber().UnsubscribeAsync(keys.Changes);
            }
            catch (Exception again) when (again is RedisException or TimeoutException)
            {
                // Not connected: nothing to undo on the server.
            }
        }
    }

    private void Send(Envelope envelope)
    {
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(envelope with { Origin = _origin, SentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, Json);
            redis.GetSubscriber().Publish(keys.Changes, payload, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Stored already, and delivered here; other instances' streams catch up when Redis is back.
            logger.LogDebug(e, "Could not publish a {Type} event to Redis", envelope.Type);
        }
    }

    private void Receive(RedisValue value)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>((byte[])value!, Json);
        }
        catch (JsonException e)
        {
            logger.LogWarning(e, "Dropped an unreadable event from Redis");
            return;
        }
        if (envelope is null || envelope.Origin == _origin)
        {
            return;
        }
        metrics.BackplaneLag(DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(envelope.SentAt));
        switch (envelope)
        {
            case { Type: EnvelopeType.Change, Kind: { } kind, Chat: { } chat }:
                var change = new ChatChange(kind, chat, envelope.Message) { RemovedUserId = envelope.UserId, AddedUserIds = envelope.Added ?? [] };
                if (hub.HasAnyOf(change.Recipients))
                {
                    local.Deliver(change);
                }
                else
                {
                    // Nobody here follows the chat, so this instance's place in its feed goes stale: start afresh next time.
                    sequencer.Forget(chat.Id);
                }
                break;
            case { Type: EnvelopeType.Typing, ChatId: { } typingIn, UserId: { } typist, UserName: { } typistName, Recipients: { } others }:
                if (hub.HasAnyOf(others))
                {
                    local.Deliver(new ChatTyping(typingIn, typist, typistName, others));
                }
                break;
            case { Type: EnvelopeType.Presence, UserId: { } person, UserName: { } personName, Online: { } online, ChatIds: { } chatIds, Recipients: { } sharing }:
                if (hub.HasAnyOf(sharing))
                {
                    local.Deliver(new PresenceChanged(person, personName, online, envelope.LastSeenAt, chatIds, sharing));
                }
                break;
            case { Type: EnvelopeType.Notifications, UserId: { } whose, ChatId: { } setFor, Level: { } level }:
                local.Deliver(new NotificationsSet(whose, setFor, level));
                break;
            case { Type: EnvelopeType.Started, Chat: { } chat }:
                local.Deliver(new ChatStarted(chat));
                break;
            case { Type: EnvelopeType.Read, UserId: { } userId, ChatId: { } chatId, Unread: { } unread }:
                local.Deliver(new ChatRead(userId, chatId, unread));
                break;
            case { Type: EnvelopeType.EndSession, UserId: { } userId, SessionId: { } sessionId }:
                local.EndSession(userId, sessionId);
                break;
            case { Type: EnvelopeType.EndUser, UserId: { } userId }:
                local.EndUser(userId);
                break;
            case { Type: EnvelopeType.AccountChanged, UserId: { } userId }:
                local.AccountChanged(userId);
                break;
            case { Type: EnvelopeType.Resync }:
                Resync("another instance reconnected to Redis");
                break;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            accounts.Suspend();
            metrics.BackplaneConnected(false);
            logger.LogWarning(e.Exception, "Lost Redis: live delivery reaches this instance's streams only until it is back");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        metrics.BackplaneConnected(redis.IsConnected);
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            if (_subscribed)
            {
                accounts.Resume();
            }
            else
            {
                _ = SubscribeAsync();
            }
        }
        // Whatever this instance published while away, and whatever it missed, is in the store: every stream, here and
        // on the other instances, reconnects and catches up from there.
        Resync("the connection to Redis is back");
        Send(new Envelope(EnvelopeType.Resync));
    }

    private void Resync(string why)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastResync);
        if (now - last < ResyncDebounce.TotalMilliseconds || Interlocked.CompareExchange(ref _lastResync, now, last) != last)
        {
            return;
        }
        logger.LogInformation("Resync ({Why}): ending {Count} streams so they catch up from the store", why, hub.SubscriptionCount);
        sequencer.Reset();
        hub.EndAll();
    }

    private enum EnvelopeType
    {
        Change,
        Read,
        Started,
        Typing,
        Presence,
        Notifications,
        EndSession,
        EndUser,
        AccountChanged,
        Resync,
    }

    /// <summary>An event on the wire.</summary>
    private sealed record Envelope(EnvelopeType Type)
    {
        public string Origin { get; init; } = "";
        public long SentAt { get; init; }
        public ChangeKind? Kind { get; init; }
        public Chat? Chat { get; init; }
        public Message? Message { get; init; }
        /// <summary>Read, EndSession, EndUser: whose; Change: who was removed from the chat by it.</summary>
        public string? UserId { get; init; }
        public string? ChatId { get; init; }
        public string? SessionId { get; init; }
        public IReadOnlyList<string>? Added { get; init; }
        public string? UserName { get; init; }
        public IReadOnlyList<string>? Recipients { get; init; }
        public bool? Online { get; init; }
        public NotificationLevel? Level { get; init; }
        public DateTimeOffset? LastSeenAt { get; init; }
        public IReadOnlyList<string>? ChatIds { get; init; }
        public long? Unread { get; init; }
    }
}
