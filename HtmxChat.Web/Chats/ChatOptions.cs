using System.ComponentModel.DataAnnotations;

namespace HtmxChat.Web.Chats;

/// <summary>Bound from the <c>Chat</c> section.</summary>
public sealed class ChatOptions
{
    /// <summary>Seconds between <c>: ping</c> comments on an idle event stream (proxies drop silent connections).</summary>
    [Range(1, 30)]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>Events a stream may fall behind by before it is disconnected to catch up from the store.</summary>
    [Range(16, 100_000)]
    public int StreamQueueCapacity { get; set; } = 512;

    /// <summary>Seconds a stream's or socket's writes may make no progress (the client stopped reading) before it is disconnected.</summary>
    [Range(1, 30)]
    public int WriteStallSeconds { get; set; } = 15;

    /// <summary>Messages a person may send at once before the rate limit applies.</summary>
    [Range(1, 10_000_000)]
    public int SendBurst { get; set; } = 20;

    /// <summary>Seconds after someone's last connection closes before they show as offline (a page reload does not flap).</summary>
    [Range(0, 300)]
    public int PresenceGraceSeconds { get; set; } = 8;

    /// <summary>Messages a person may send per minute, sustained.</summary>
    [Range(1, 100_000_000)]
    public int SendsPerMinute { get; set; } = 60;
}
