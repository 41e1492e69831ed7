using System.Collections.Concurrent;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Chats;

/// <summary>Something that happened in a chat, delivered to the open streams of <see cref="Recipients"/>.</summary>
public abstract class ChatEvent
{
    public abstract IEnumerable<string> Recipients { get; }
}

/// <summary>
/// A new message. Streams share one instance, and what they write for it (an HTML fragment per time zone, a JSON
/// frame) is made once by the first stream that needs it and reused by the rest.
/// </summary>
public sealed class MessagePosted(Message message, Chat chat) : ChatEvent
{
    private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _frames = new(StringComparer.Ordinal);

    public Message Message { get; } = message;

    /// <summary>The chat right after the message was stored (last message, seq, read markers).</summary>
    public Chat Chat { get; } = chat;

    public override IEnumerable<string> Recipients => Chat.Participants.Select(p => p.UserId);

    public Task<byte[]> Frame(string key, Func<Task<byte[]>> make) =>
        _frames.GetOrAdd(key, _ => new Lazy<Task<byte[]>>(make)).Value;

    /// <summary>How many frames were made for this message: the fan-out's rendering cost.</summary>
    public int FramesMade => _frames.Count;
}

/// <summary>The person read a chat up to some seq; all their tabs show the new unread count.</summary>
public sealed class ChatRead(string userId, string chatId, long unread) : ChatEvent
{
    public string UserId { get; } = userId;
    public string ChatId { get; } = chatId;
    public long Unread { get; } = unread;

    public override IEnumerable<string> Recipients => [UserId];
}

public sealed class ChatStarted(Chat chat) : ChatEvent
{
    public Chat Chat { get; } = chat;

    public override IEnumerable<string> Recipients => Chat.Participants.Select(p => p.UserId);
}
