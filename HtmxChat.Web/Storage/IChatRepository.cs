using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Storage;

public interface IChatRepository
{
    /// <summary>Stores a new chat; for a direct chat that exists already, returns the stored one instead.</summary>
    Task<(Chat Chat, bool Created)> CreateAsync(Chat chat, CancellationToken ct = default);

    Task<Chat?> FindAsync(string chatId, CancellationToken ct = default);
    Task<Chat?> FindByDirectKeyAsync(string directKey, CancellationToken ct = default);

    /// <summary>The user's chats, most recent activity first.</summary>
    Task<IReadOnlyList<Chat>> ListForUserAsync(string userId, int limit, CancellationToken ct = default);

    /// <summary>
    /// Gives the message the chat's next seq and next version and stores it, updating the chat's last message, activity time and
    /// the sender's read marker in the same atomic step. Returns null when the chat does not exist.
    /// </summary>
    Task<(Message Message, Chat Chat)?> AppendMessageAsync(string chatId, string senderId, string senderName, string content, DateTimeOffset timestamp, CancellationToken ct = default);

    /// <summary>Messages with seq in (after, before), oldest first; the newest <paramref name="limit"/> unless <paramref name="after"/> is set, then the oldest.</summary>
    Task<MessagePage> GetMessagesAsync(string chatId, long? before, long? after, int limit, CancellationToken ct = default);

    /// <summary>
    /// Messages whose latest change came after <paramref name="afterVersion"/>, in their current state, oldest change
    /// first: the message part of a chat's change feed (a reader resuming after that version, or filling a gap).
    /// </summary>
    Task<MessagePage> GetChangedMessagesAsync(string chatId, long afterVersion, int limit, CancellationToken ct = default);

    /// <summary>Moves the participant's read marker forward to <paramref name="seq"/>, never back. False if not a participant.</summary>
    Task<bool> MarkReadAsync(string chatId, string userId, long seq, CancellationToken ct = default);
}
