using System.ComponentModel.DataAnnotations;
using HtmxChat.Web.Limits;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Accounts;

/// <summary>Bound from the <c>RateLimits</c> section. Sends are limited per person by <see cref="Chats.ChatOptions"/>.</summary>
public sealed class RateLimitOptions
{
    [Range(1, 100_000)]
    public int LoginsPerMinutePerAddress { get; set; } = 20;
}

/// <summary>
/// Login attempts per client address, for the login page and the token endpoint alike, shared by every instance.
/// Guessing one account's password is stopped by Identity's lockout instead.
/// </summary>
public sealed class LoginRateLimiter(IRateLimiter limiter, IOptions<RateLimitOptions> options)
{
    private readonly RateLimitRule _rule = RateLimitRule.PerMinute(options.Value.LoginsPerMinutePerAddress, options.Value.LoginsPerMinutePerAddress);

    /// <summary>Null when the attempt may go ahead; otherwise how long the address must wait.</summary>
    public ValueTask<TimeSpan?> TryAcquireAsync(HttpContext http) =>
        limiter.TryAcquireAsync($"login:{http.Connection.RemoteIpAddress?.ToString() ?? "unknown"}", _rule, http.RequestAborted);

    public static string TooManyAttempts(TimeSpan wait) =>
        $"Too many sign-in attempts from your address. Try again in {Chats.ChatResult.RetryAfterSecondsFor(wait)} s.";
}
