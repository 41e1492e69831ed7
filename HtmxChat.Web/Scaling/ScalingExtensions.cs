using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Limits;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace HtmxChat.Web.Scaling;

public static class ScalingExtensions
{
    /// <summary>
    /// One instance with everything in process, or, with Redis configured, several sharing the live feed, the rate
    /// limits and the ending of streams.
    /// </summary>
    public static IHostApplicationBuilder AddScaling(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<LocalEventBus>();
        services.AddSingleton<LocalRateLimiter>();
        if (!RedisSettings.IsConfigured(builder.Configuration))
        {
            services.AddSingleton<IChatEventBus>(sp => sp.GetRequiredService<LocalEventBus>());
            services.AddSingleton<IRateLimiter>(sp => sp.GetRequiredService<LocalRateLimiter>());
            services.AddSingleton<IPresenceDirectory, LocalPresenceDirectory>();
            return builder;
        }

        var options = RedisSettings.Read(builder.Configuration);
        var prefix = builder.Configuration[RedisSettings.PrefixKey] is { Length: > 0 } p ? p : "htmxchat";
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        services.AddSingleton(new RedisKeys(prefix));
        services.AddSingleton<RedisEventBus>();
        services.AddSingleton<IChatEventBus>(sp => sp.GetRequiredService<RedisEventBus>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisEventBus>());
        services.AddSingleton<IRateLimiter, RedisRateLimiter>();
        services.AddSingleton<RedisPresenceDirectory>();
        services.AddSingleton<IPresenceDirectory>(sp => sp.GetRequiredService<RedisPresenceDirectory>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisPresenceDirectory>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", failureStatus: HealthStatus.Degraded);
        return builder;
    }

    /// <summary>Degraded, not Unhealthy, without Redis: the app still serves, each instance on its own.</summary>
    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!redis.IsConnected)
            {
                return HealthCheckResult.Degraded("Redis is unreachable: live delivery reaches this instance's streams only, and limits are per instance.");
            }
            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.#} ms.");
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return HealthCheckResult.Degraded("Redis did not answer a ping.", e);
            }
        }
    }
}
