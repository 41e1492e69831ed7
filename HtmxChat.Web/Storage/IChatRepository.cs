using HtmxChat.Web.Chats;
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
    /// the sender's read marker in the same atomic step; it takes <paramref name="attachments"/> (the sender's unsent uploads
    /// in this chat) in that step too. Returns null when the chat does not exist or the sender is not one of its
    /// participants (checked in the same atomic step, so a person removed just before cannot post).
    /// </summary>
    /// <exception cref="AttachmentsNotAvailableException">An attachment is sent already, or not the sender's upload in this chat.</exception>
    Task<(Message Message, Chat Chat)?> AppendMessageAsync(
        string chatId, string senderId, string senderName, string content, DateTimeOffset timestamp, ReplyRef? replyTo = null,
        IReadOnlyList<Mention>? mentions = null, IReadOnlyList<Attachment>? attachments = null, CancellationToken ct = default);

    /// <summary>
    /// Applies a change to the chat itself and appends <paramref name="line"/> as a system message by the actor, in one
    /// atomic step taking the chat's next seq and version (which becomes its details version). The actor's read marker
    /// moves to the line; added people have read everything before it. Null when the chat does not exist, or the change
    /// no longer applies (the person to remove is not in the chat, or everyone to add already is).
    /// </summary>
    Task<(Message Line, Chat Chat)?> ChangeDetailsAsync(
        string chatId, ChatDetailsChange change, string actorId, string actorName, string line, DateTimeOffset timestamp, CancellationToken ct = default);

    /// <summary>Messages with seq in (after, before), oldest first; the newest <paramref name="limit"/> unless <paramref name="after"/> is set, then the oldest.</summary>
    Task<MessagePage> GetMessagesAsync(string chatId, long? before, long? after, int limit, CancellationToken ct = default);

    /// <summary>
    /// Messages whose latest change came after <paramref name="afterVersion"/>, in their current state, oldest change
    /// first: the message part of a chat's change feed (a reader resuming after that version, or filling a gap).
    /// </summary>
    Task<MessagePage> GetChangedMessagesAsync(string chatId, long afterVersion, int limit, CancellationToken ct = default);

    /// <summary>
    /// True when a change's version and its row become visible together (one transaction), so what a chat holds up to
    /// a version never changes once a reader has seen the chat at that version. False where the version is taken
    /// first and the row written after it (MongoDB).
    /// </summary>
    bool VersionsCommitWithTheirRows { get; }

    Task<Message?> FindMessageAsync(string chatId, string messageId, CancellationToken ct = default);

    /// <summary>
    /// Replaces the text of a message that is not deleted, taking the chat's next version; the chat's preview follows when
    /// it is the newest message. Null when there is no such message, or it is deleted.
    /// </summary>
    Task<MessageChange?> EditMessageAsync(
        string chatId, string messageId, string content, DateTimeOffset editedAt, IReadOnlyList<Mention>? mentions = null, CancellationToken ct = default);

    /// <summary>
    /// Leaves a tombstone (same id and seq, no text, no reactions, no attachments: their records go), taking the chat's next version; the preview follows.
    /// A message deleted already comes back unchanged. Null when there is no such message.
    /// </summary>
    Task<MessageChange?> DeleteMessageAsync(string chatId, string messageId, CancellationToken ct = default);

    /// <summary>
    /// Adds (<paramref name="on"/>) or removes a person's reaction, taking the chat's next version only when that changes
    /// anything: each person adds a given reaction once. Null when there is no such message, or it is deleted.
    /// </summary>
    Task<MessageChange?> SetReactionAsync(string chatId, string messageId, Reactor reactor, string reaction, bool on, CancellationToken ct = default);

    /// <summary>
    /// Messages matching <paramref name="query"/> in the chats <paramref name="userId"/> is in now (or in one of them),
    /// newest first, never deleted ones, older than <paramref name="before"/>.
    /// </summary>
    Task<SearchPage> SearchAsync(string userId, SearchQuery query, string? chatId, SearchCursor? before, int limit, CancellationToken ct = default);

    /// <summary>Sets the participant's notification level for the chat. False if not a participant.</summary>
    Task<bool> SetNotificationsAsync(string chatId, string userId, NotificationLevel level, CancellationToken ct = default);

    /// <summary>Moves the participant's read marker forward to <paramref name="seq"/>, never back. False if not a participant.</summary>
    Task<bool> MarkReadAsync(string chatId, string userId, long seq, CancellationToken ct = default);
}
