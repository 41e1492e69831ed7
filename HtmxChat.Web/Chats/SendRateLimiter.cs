using HtmxChat.Web.Limits;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats;

/// <summary>One limit per person for every way of sending (page, API, WebSocket), shared by every instance.</summary>
public sealed class SendRateLimiter(IRateLimiter limiter, IOptions<ChatOptions> options)
{
    private readonly RateLimitRule _rule = RateLimitRule.PerMinute(options.Value.SendsPerMinute, options.Value.SendBurst);

    /// <summary>Null when the person may send now; otherwise how long to wait.</summary>
    public ValueTask<TimeSpan?> TryAcquireAsync(string userId, CancellationToken ct = default) => limiter.TryAcquireAsync($"send:{userId}", _rule, ct);
}
