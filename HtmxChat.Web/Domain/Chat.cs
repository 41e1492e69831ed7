namespace HtmxChat.Web.Domain;

public sealed class Chat
{
    public string Id { get; set; } = Ids.New();
    public string CreatorId { get; set; } = "";
    public string? Title { get; set; }

    /// <summary>Set only for an untitled two-person chat, so the store can refuse a second one.</summary>
    public string? DirectKey { get; set; }

    public List<ChatParticipant> Participants { get; set; } = [];
    public MessageSummary? LastMessage { get; set; }

    /// <summary>The seq of the newest message: the chat's message counter.</summary>
    public long LastSeq { get; set; }

    /// <summary>
    /// Counts every change to the chat or its messages (0 when created): the position in the chat's change feed.
    /// Equal to <see cref="LastSeq"/> while the only changes are new messages.
    /// </summary>
    public long Version { get; set; }

    /// <summary>The version of the latest change to the chat itself (title, people); 0 when it has had none.</summary>
    public long DetailsVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
    public DateTimeOffset LastActivityAt { get; set; } = DateTimeOffset.UtcNow;

    public bool HasParticipant(string userId) => Participants.Exists(p => p.UserId == userId);

    public ChatParticipant? Participant(string userId) => Participants.Find(p => p.UserId == userId);

    /// <summary>Sending marks the chat read up to the sent message, so every message after the marker is from others.</summary>
    public long UnreadCountFor(string userId) => Participant(userId) is { } p ? Math.Max(0, LastSeq - p.ReadSeq) : 0;

    /// <summary>Unread messages that mention the person.</summary>
    public long MentionCountFor(string userId) => Participant(userId)?.UnreadMentions ?? 0;

    /// <summary>The title, else the other participants' names (the first few, then a count).</summary>
    public string TitleFor(string viewerId)
    {
        if (Title is not null)
        {
            return Title;
        }
        var others = Participants.Where(p => p.UserId != viewerId).Select(p => p.UserName).ToList();
        return others.Count switch
        {
            0 => "Just you",
            <= 3 => string.Join(", ", others),
            _ => $"{string.Join(", ", others.Take(3))} and {others.Count - 3} more",
        };
    }

    public static string DirectKeyFor(string userA, string userB) =>
        string.CompareOrdinal(userA, userB) < 0 ? $"{userA}:{userB}" : $"{userB}:{userA}";
}

public sealed class ChatParticipant
{
    public string UserId { get; set; } = "";
    public string UserName { get; set; } = "";

    /// <summary>The highest seq this participant has seen.</summary>
    public long ReadSeq { get; set; }

    /// <summary>Messages after <see cref="ReadSeq"/> that mention this participant (not deleted).</summary>
    public long UnreadMentions { get; set; }

    /// <summary>What this participant is notified of in this chat.</summary>
    public NotificationLevel Notifications { get; set; } = NotificationLevel.All;

    /// <summary>Whether a new message should reach this participant as a notification: someone else's words, at a level that takes them.</summary>
    public bool IsNotifiedOf(Message message) =>
        message.Kind == MessageKind.Text && message.SenderId != UserId
        && (Notifications == NotificationLevel.All || (Notifications == NotificationLevel.Mentions && message.MentionsUser(UserId)));
}

/// <summary>A participant's notification level for a chat (API.md: <c>all</c>, <c>mentions</c>, <c>none</c>).</summary>
public enum NotificationLevel
{
    All,
    Mentions,
    None,
}

public static class NotificationLevels
{
    public static string Name(NotificationLevel level) => level switch
    {
        NotificationLevel.Mentions => "mentions",
        NotificationLevel.None => "none",
        _ => "all",
    };

    public static NotificationLevel? Parse(string? name) => name switch
    {
        "all" => NotificationLevel.All,
        "mentions" => NotificationLevel.Mentions,
        "none" => NotificationLevel.None,
        _ => null,
    };
}

/// <summary>The chat list's preview of the newest message; <see cref="Deleted"/> when it has been taken back.</summary>
public sealed record MessageSummary(string SenderId, string SenderName, string Content, DateTimeOffset Timestamp, bool Deleted = false);

/// <summary>A change to a chat itself, stored with the system line that tells everyone of it.</summary>
public abstract record ChatDetailsChange
{
    /// <summary>A new title for a group chat; null takes the title away.</summary>
    public sealed record Rename(string? Title) : ChatDetailsChange;

    /// <summary>People join; they see the history, with everything before their joining read.</summary>
    public sealed record AddPeople(IReadOnlyList<ChatParticipant> People) : ChatDetailsChange;

    /// <summary>Someone is removed, or leaves.</summary>
    public sealed record RemovePerson(string UserId) : ChatDetailsChange;
}
