namespace HtmxChat.Web.Domain;

public sealed record Message(
    string Id,
    string ChatId,
    long Seq,
    string SenderId,
    string SenderName,
    string Content,
    DateTimeOffset Timestamp)
{
    /// <summary>The chat version of this message's latest change (its posting, an edit, a deletion, a reaction).</summary>
    public long Version { get; init; }

    /// <summary>The chat version at which the message was posted: a reader resuming after an earlier version has not seen it yet.</summary>
    public long CreatedVersion { get; init; }

    public MessageKind Kind { get; init; } = MessageKind.Text;
    public DateTimeOffset? EditedAt { get; init; }
    public bool Deleted { get; init; }

    public MessageSummary ToSummary() => new(SenderId, SenderName, Content, Timestamp);
}

public enum MessageKind
{
    /// <summary>What people write.</summary>
    Text,

    /// <summary>A line the server writes into the log (someone added, a rename), with no sender actions.</summary>
    System,
}

/// <summary>A page of a chat's messages, oldest first (by seq, or by version for a page of changes).</summary>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore);
