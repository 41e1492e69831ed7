using StackExchange.Redis;

namespace HtmxChat.Web.Scaling;

/// <summary>
/// How to reach Redis: <c>REDIS_URL</c> (<c>redis://[[user]:password@]host[:port][/db]</c>, <c>rediss://</c> for TLS, as
/// hosting platforms set it) or <c>Redis:Configuration</c> (StackExchange.Redis syntax). Neither set: one instance.
/// </summary>
public static class RedisSettings
{
    public const string UrlKey = "REDIS_URL";
    public const string ConfigurationKey = "Redis:Configuration";

    /// <summary>Channel and key prefix, so several deployments (or test runs) can share one Redis.</summary>
    public const string PrefixKey = "Redis:Prefix";

    public static bool IsConfigured(IConfiguration configuration) =>
        configuration[UrlKey] is { Length: > 0 } || configuration[ConfigurationKey] is { Length: > 0 };

    public static ConfigurationOptions Read(IConfiguration configuration)
    {
        var options = configuration[UrlKey] is { Length: > 0 } url ? FromUrl(url)
            : ConfigurationOptions.Parse(configuration[ConfigurationKey]!);
        // Start and keep serving without Redis: it only carries what the store already holds.
        options.AbortOnConnectFail = false;
        // While disconnected, fail at once instead of queueing: a late publish is worse than none (streams resync on reconnect).
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "htmxchat";
        // Try again every second, so streams resume soon after Redis is back.
        options.ReconnectRetryPolicy = new LinearRetry(1000);
        // A send or a login waits on the shared limit: an unanswering Redis must not hold it for long.
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
        return options;
    }

    public static ConfigurationOptions FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new FormatException($"{UrlKey} must look like redis://[:password@]host:port[/db].");
        }
        var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            // redis://password@host is how some platforms write a password without a user.
            (options.User, options.Password) = password is null ? (null, user) : (user.Length > 0 ? user : null, password);
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db)
        {
            options.DefaultDatabase = int.TryParse(db, out var number) && number >= 0
                ? number
                : throw new FormatException($"{UrlKey}: the database after the last '/' must be a number.");
        }
        return options;
    }
}
