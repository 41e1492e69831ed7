using System.Collections.Concurrent;

namespace HtmxChat.Web.Limits;

/// <summary>
/// At most <see cref="Burst"/> at once, then one more per <see cref="Interval"/>: a token bucket, computed as the
/// generic cell rate algorithm (one timestamp per key), so it works the same in memory and in Redis.
/// </summary>
public sealed record RateLimitRule(int Burst, TimeSpan Interval)
{
    public static RateLimitRule PerMinute(int perMinute, int burst) => new(burst, TimeSpan.FromMinutes(1.0 / perMinute));

    public long IntervalMs => Math.Max(1, (long)Interval.TotalMilliseconds);

    /// <summary>
    /// One step of the algorithm: given the stored "theoretical arrival time" (or none) and the time now, either the
    /// new time to store, or how long to wait. The Redis script in RedisRateLimiter is this method in Lua.
    /// </summary>
    public (long? NewTat, long WaitMs) Step(long? storedTat, long nowMs)
    {
        var tat = Math.Max(storedTat ?? nowMs, nowMs);
        var newTat = tat + IntervalMs;
        var allowAt = newTat - Burst * IntervalMs;
        return nowMs < allowAt ? (null, allowAt - nowMs) : (newTat, 0);
    }
}

/// <summary>A limit shared by whoever asks under the same key: per person, per client address.</summary>
public interface IRateLimiter
{
    /// <summary>Null when allowed; otherwise how long until the next attempt can succeed.</summary>
    ValueTask<TimeSpan?> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken ct = default);
}

/// <summary>This process's limits: the default with one instance, and the fallback while Redis is unreachable.</summary>
public sealed class LocalRateLimiter(TimeProvider clock) : IRateLimiter
{
    private readonly ConcurrentDictionary<string, long> _tats = new(StringComparer.Ordinal);
    private long _lastSweep;

    public ValueTask<TimeSpan?> TryAcquireAsync(string key, RateLimitRule rule, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Sweep(now);
        while (true)
        {
            var known = _tats.TryGetValue(key, out var stored);
            var (newTat, waitMs) = rule.Step(known ? stored : null, now);
            if (newTat is not { } next)
            {
                return ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(waitMs));
            }
            if (known ? _tats.TryUpdate(key, next, stored) : _tats.TryAdd(key, next))
            {
                return ValueTask.FromResult<TimeSpan?>(null);
            }
        }
    }

    /// <summary>A key whose time has passed is as good as absent: drop it, so memory follows the active keys.</summary>
    private void Sweep(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }
        foreach (var (key, tat) in _tats)
        {
            if (tat < now)
            {
                _tats.TryRemove(new KeyValuePair<string, long>(key, tat));
            }
        }
    }
}
