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

    /// <summary>The message this one answers, as it reads now (its excerpt follows edits and deletion), or null.</summary>
    public ReplyRef? ReplyTo { get; init; }

    /// <summary>The participants named as <c>@username</c> in the text, in the order first named.</summary>
    public IReadOnlyList<Mention> Mentions { get; init; } = [];

    public bool MentionsUser(string userId) => Mentions.Any(m => m.UserId == userId);

    /// <summary>One entry per distinct reaction, in the order first added.</summary>
    public IReadOnlyList<MessageReaction> Reactions { get; init; } = [];

    /// <summary>The files sent with it, in the order named; none once deleted.</summary>
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];

    /// <summary>What the chat list shows of it: the text, or the files' names for a message of files only.</summary>
    public string Preview => Content.Length > 0 || Attachments.Count == 0 ? Content : "📎 " + string.Join(", ", Attachments.Select(a => a.FileName));

    /// <summary>What people can do with it: not a tombstone, not a line the server wrote.</summary>
    public bool IsActionable => !Deleted && Kind == MessageKind.Text;

    public MessageSummary ToSummary() => new(SenderId, SenderName, Preview, Timestamp, Deleted);

    /// <summary>The indexes of the reactions <paramref name="viewerId"/> has added: what differs between viewers.</summary>
    public string ReactionsOf(string viewerId) =>
        // Asked once per viewer for every message a fan-out delivers; most messages have no reactions at all.
        Reactions.Count == 0 ? "" : string.Join(',', Reactions.Select((r, i) => (r, i)).Where(x => x.r.HasUser(viewerId)).Select(x => x.i));
}

/// <summary>A reaction and the people who added it, first first.</summary>
public sealed record MessageReaction(string Reaction, IReadOnlyList<Reactor> Users)
{
    public int Count => Users.Count;

    public bool HasUser(string userId) => Users.Any(u => u.UserId == userId);
}

public sealed record Reactor(string UserId, string UserName);

public sealed record Mention(string UserId, string UserName);

/// <summary>A quoted message: who wrote it and the start of what it says now (empty once deleted).</summary>
public sealed record ReplyRef(string Id, long Seq, string SenderName, string Excerpt, bool Deleted)
{
    public const int MaxExcerptLength = 200;

    public static ReplyRef Of(Message original) => new(original.Id, original.Seq, original.SenderName, ExcerptOf(original.Deleted ? "" : original.Content), original.Deleted);

    public static string ExcerptOf(string content)
    {
        var text = content.Trim();
        if (new System.Globalization.StringInfo(text).LengthInTextElements <= MaxExcerptLength)
        {
            return text;
        }
        return new System.Globalization.StringInfo(text).SubstringByTextElements(0, MaxExcerptLength - 1) + "…";
    }
}

/// <summary>What the store changed, with the message and the chat right after it; <see cref="Changed"/> false when nothing did.</summary>
public sealed record MessageChange(Message Message, Chat Chat, bool Changed);

public enum MessageKind
{
    /// <summary>What people write.</summary>
    Text,

    /// <summary>A line the server writes into the log (someone added, a rename), with no sender actions.</summary>
    System,
}

/// <summary>A page of a chat's messages, oldest first (by seq, or by version for a page of changes).</summary>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore);

/// <summary>Messages around one, oldest first, and whether there are more on either side.</summary>
public sealed record MessageWindow(IReadOnlyList<Message> Messages, bool HasMoreBefore, bool HasMoreAfter);
