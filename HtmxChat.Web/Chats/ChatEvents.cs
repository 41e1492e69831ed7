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
    public ChatChange(ChangeKind kind, Chat chat, Message? message = null)
    {
        if ((kind == ChangeKind.ChatUpdated) != (message is null))
        {
            throw new ArgumentException($"A {kind} change {(message is null ? "needs" : "has no")} message.", nameof(message));
        }
        Kind = kind;
        Chat = chat;
        Message = message;
    }

    public ChangeKind Kind { get; }

    /// <summary>The chat right after the change (last message, read markers, people).</summary>
    public Chat Chat { get; }

    public Message? Message { get; }

    public string ChatId => Chat.Id;

    public long Version => Message?.Version ?? Chat.DetailsVersion;

    public override IEnumerable<string> Recipients => Chat.Participants.Select(p => p.UserId);

    /// <summary>A stored message as a reader that has seen the chat up to <paramref name="afterVersion"/> should get it.</summary>
    public static ChatChange ForReaderAfter(long afterVersion, Chat chat, Message message) => new(
        message.Deleted ? ChangeKind.MessageDeleted
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
