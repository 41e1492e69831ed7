using HtmxChat.Web.Chats.Feed;
using StackExchange.Redis;

namespace HtmxChat.Web.Scaling;

/// <summary>
/// Who is online on any instance. Each instance holds a lease per person online on it (a field of the person's hash,
/// valued with when it runs out) and renews its leases every <see cref="Renew"/>; an instance that dies stops renewing,
/// so its people drop out within <see cref="Lease"/> without anyone cleaning up. While Redis is unreachable each
/// instance answers for itself.
/// </summary>
public sealed class RedisPresenceDirectory(IConnectionMultiplexer redis, RedisKeys keys, PresenceTracker tracker, TimeProvider clock, ILogger<RedisPresenceDirectory> logger)
    : IPresenceDirectory, IHostedService, IDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan Renew = TimeSpan.FromSeconds(20);

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private ITimer? _renewal;

    public async Task SetHereAsync(string userId, bool online)
    {
        try
        {
            var db = redis.GetDatabase();
            if (online)
            {
                await db.HashSetAsync(keys.Presence(userId), _instance, LeaseEnd());
                await db.KeyExpireAsync(keys.Presence(userId), Lease * 2);
            }
            else
            {
                await db.HashDeleteAsync(keys.Presence(userId), _instance);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Redis unavailable; presence of {UserId} is this instance's only", userId);
        }
    }

    public async Task<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds)
    {
        var online = userIds.Where(tracker.IsHere).ToHashSet();
        var elsewhere = userIds.Where(id => !online.Contains(id)).ToList();
        if (elsewhere.Count == 0)
        {
            return online;
        }
        try
        {
            var db = redis.GetDatabase();
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var leases = await Task.WhenAll(elsewhere.Select(id => db.HashValuesAsync(keys.Presence(id))));
            for (var i = 0; i < elsewhere.Count; i++)
            {
                if (leases[i].Any(end => (long)end > now))
                {
                    online.Add(elsewhere[i]);
                }
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Redis unavailable; answering presence from this instance alone");
        }
        return online;
    }

    public async Task<bool> IsOnlineElsewhereAsync(string userId)
    {
        try
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var leases = await redis.GetDatabase().HashGetAllAsync(keys.Presence(userId));
            return leases.Any(lease => lease.Name != _instance && (long)lease.Value > now);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Redis unavailable; taking {UserId} to be online here only", userId);
            return false;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _renewal = clock.CreateTimer(_ => _ = RenewAsync(), null, Renew, Renew);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _renewal?.Dispose();
        // Leaving: this instance's people are not online here any more (those online elsewhere stay online).
        foreach (var userId in tracker.EveryoneHere())
        {
            await SetHereAsync(userId, online: false);
        }
    }

    public void Dispose() => _renewal?.Dispose();

    private async Task RenewAsync()
    {
        try
        {
            var db = redis.GetDatabase();
            var end = LeaseEnd();
            var here = tracker.EveryoneHere();
            var batch = db.CreateBatch();
            var writes = here.SelectMany(userId => new Task[]
            {
                batch.HashSetAsync(keys.Presence(userId), _instance, end),
                batch.KeyExpireAsync(keys.Presence(userId), Lease * 2),
            }).ToList();
            batch.Execute();
            await Task.WhenAll(writes);
            // Someone who went offline while the batch was on its way must not be left holding a renewed lease.
            foreach (var gone in here.Where(userId => !tracker.IsHere(userId)))
            {
                await db.HashDeleteAsync(keys.Presence(gone), _instance);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Could not renew presence leases in Redis");
        }
    }

    private long LeaseEnd() => (clock.GetUtcNow() + Lease).ToUnixTimeMilliseconds();
}
