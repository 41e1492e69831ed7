namespace HtmxChat.Web.Domain;

/// <summary>An account: what Identity signs in and what chats refer to by <see cref="Id"/>.</summary>
public sealed class ChatUser
{
    public string Id { get; set; } = Ids.New();
    public string UserName { get; set; } = "";
    public string NormalizedUserName { get; set; } = "";
    public string Email { get; set; } = "";
    public string NormalizedEmail { get; set; } = "";
    public string? PasswordHash { get; set; }
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");
    public string ConcurrencyStamp { get; set; } = Guid.NewGuid().ToString("N");
    public bool LockoutEnabled { get; set; } = true;
    public DateTimeOffset? LockoutEnd { get; set; }
    public int AccessFailedCount { get; set; }
    public string? Gender { get; set; }
    public string TimeZone { get; set; } = TimeZones.Default;
    public List<string> Roles { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>When the person was last online (an open stream or socket); written only by presence, never by account updates.</summary>
    public DateTimeOffset? LastSeenAt { get; set; }
}
