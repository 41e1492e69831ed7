using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Chats;

/// <summary>Something that happened, delivered to the open streams of <see cref="Recipients"/>.</summary>
public abstract class ChatEvent
{
    public abstract IEnumerable<string> Recipients { get; }
}

public enum ChangeKind
{
    MessagePosted,
    MessageUpdated,
    MessageDeleted,
    ChatUpdated,
}

/// <summary>
/// One entry of a chat's change feed: the change that took chat version <see cref="Version"/>, carrying the changed
/// item in its state right after it. Every participant's stream gets it in version order, exactly once.
/// </summary>
public sealed class ChatChange : ChatEvent
{
    /// <param name="message">
    /// The message changed; for <see cref="ChangeKind.ChatUpdated"/>, the system line that tells of the change (null when a
    /// replay has no line to go with the chat's latest details).
    /// </param>
    public ChatChange(ChangeKind kind, Chat chat, Message? message = null)
    {
        if (kind != ChangeKind.ChatUpdated && message is null)
        {
            throw new ArgumentException($"A {kind} change needs a message.", nameof(message));
        }
        Kind = kind;
        Chat = chat;
        Message = message;
    }

    /// <summary>A rename or a change of people, with its system line: who joined and who left go with it.</summary>
    public static ChatChange OfDetails(Chat chat, Message line, ChatDetailsChange details) => new(ChangeKind.ChatUpdated, chat, line)
    {
        RemovedUserId = (details as ChatDetailsChange.RemovePerson)?.UserId,
        AddedUserIds = details is ChatDetailsChange.AddPeople added ? [.. added.People.Select(p => p.UserId)] : [],
    };

    public ChangeKind Kind { get; }

    /// <summary>The chat right after the change (last message, read markers, people).</summary>
    public Chat Chat { get; }

    public Message? Message { get; }

    /// <summary>Who this change took out of the chat: their streams get it (it is the last), then end.</summary>
    public string? RemovedUserId { get; init; }

    /// <summary>Who this change brought into the chat: their chat lists show it.</summary>
    public IReadOnlyList<string> AddedUserIds { get; init; } = [];

    public string ChatId => Chat.Id;

    public long Version => Message?.Version ?? Chat.DetailsVersion;

    public override IEnumerable<string> Recipients => RemovedUserId is null
        ? Chat.Participants.Select(p => p.UserId)
        : Chat.Participants.Select(p => p.UserId).Append(RemovedUserId);

    /// <summary>True when this change took <paramref name="userId"/> out of the chat: the last they get of it.</summary>
    public bool Removes(string userId) => RemovedUserId == userId;

    /// <summary>
    /// A stored message as a reader that has seen the chat up to <paramref name="afterVersion"/> should get it; the system
    /// line of the chat's latest details change comes as that change.
    /// </summary>
    public static ChatChange ForReaderAfter(long afterVersion, Chat chat, Message message) => new(
        message.Kind == MessageKind.System && message.Version == chat.DetailsVersion ? ChangeKind.ChatUpdated
        : message.Deleted ? ChangeKind.MessageDeleted
        : message.CreatedVersion > afterVersion ? ChangeKind.MessagePosted
        : ChangeKind.MessageUpdated,
        chat, message);
}

/// <summary>The person read a chat up to some seq; all their tabs show the new unread count. Not part of the chat's feed.</summary>
public sealed class ChatRead(string userId, string chatId, long unread) : ChatEvent
{
    public string UserId { get; } = userId;
    public string ChatId { get; } = chatId;
    public long Unread { get; } = unread;

    public override IEnumerable<string> Recipients => [UserId];
}

/// <summary>A chat was created (version 0); its people's chat lists show it.</summary>
public sealed class ChatStarted(Chat chat) : ChatEvent
{
    public Chat Chat { get; } = chat;

    public override IEnumerable<string> Recipients => Chat.Participants.Select(p => p.UserId);
}

/// <summary>
/// Someone is typing in a chat. Ephemeral: never stored, never replayed, no version; the others' open streams show it
/// for a few seconds. The person typing does not get it, in any of their tabs.
/// </summary>
public sealed class ChatTyping(string chatId, string userId, string userName, IReadOnlyList<string> others) : ChatEvent
{
    public string ChatId { get; } = chatId;
    public string UserId { get; } = userId;
    public string UserName { get; } = userName;
    public IReadOnlyList<string> Others { get; } = others;

    public override IEnumerable<string> Recipients => Others;
}

/// <summary>
/// A person came online (their first stream or socket on any instance) or went offline (their last one closed, and the
/// grace period passed). Ephemeral, like typing: for the people who share a chat with them, in those chats.
/// </summary>
public sealed class PresenceChanged(string userId, string userName, bool online, DateTimeOffset? lastSeenAt, IReadOnlyList<string> chatIds, IReadOnlyList<string> others)
    : ChatEvent
{
    public string UserId { get; } = userId;
    public string UserName { get; } = userName;
    public bool Online { get; } = online;
    public DateTimeOffset? LastSeenAt { get; } = lastSeenAt;

    /// <summary>The chats the person is in: an event stream of one chat carries the event only if it is one of them.</summary>
    public IReadOnlyList<string> ChatIds { get; } = chatIds;

    public IReadOnlyList<string> Others { get; } = others;

    public override IEnumerable<string> Recipients => Others;
}

/// <summary>A person changed their notification level for a chat; all their tabs follow. Not part of the chat's feed.</summary>
public sealed class NotificationsSet(string userId, string chatId, NotificationLevel level) : ChatEvent
{
    public string UserId { get; } = userId;
    public string ChatId { get; } = chatId;
    public NotificationLevel Level { get; } = level;

    public override IEnumerable<string> Recipients => [UserId];
}
