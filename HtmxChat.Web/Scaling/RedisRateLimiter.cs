using HtmxChat.Web.Limits;
using StackExchange.Redis;

namespace HtmxChat.Web.Scaling;

/// <summary>
/// Limits shared by every instance: <see cref="RateLimitRule.Step"/> run atomically inside Redis on Redis's clock. While
/// Redis is unreachable each instance limits on its own, so people can still send and sign in.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis, RedisKeys keys, LocalRateLimiter fallback, ILogger<RedisRateLimiter> logger) : IRateLimiter
{
    // RateLimitRule.Step in Lua. Returns -1 when allowed, else the milliseconds to wait.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1])) or now
        if tat < now then tat = now end
        local newTat = tat + interval
        local allowAt = newTat - burst * interval
        if now < allowAt then return allowAt - now end
        redis.call('SET', KEYS[1], newTat, 'PX', newTat - now)
        return -1
        """;

    public async ValueTask<TimeSpan?> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken ct = default)
    {
        try
        {
            var wait = (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, [keys.RateLimit(key)], [rule.IntervalMs, rule.Burst]);
            return wait < 0 ? null : TimeSpan.FromMilliseconds(wait);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug(e, "Redis unavailable; limiting {Key} in this instance only", key);
            return await fallback.TryAcquireAsync(key, rule, ct);
        }
    }
}

/// <summary>The names this app uses in Redis, all under one prefix.</summary>
public sealed class RedisKeys(string prefix)
{
    public RedisChannel Changes { get; } = RedisChannel.Literal($"{prefix}:changes");

    public RedisKey RateLimit(string key) => $"{prefix}:rl:{key}";

    /// <summary>A hash per person: one field per instance where they are online, its value when that lease runs out.</summary>
    public RedisKey Presence(string userId) => $"{prefix}:presence:{userId}";
}
