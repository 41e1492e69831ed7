using System.Text;
using System.Diagnostics;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Chats;

/// <summary>
/// What came of sending, editing, deleting or reacting: the message as it now is, or a refusal that carries its HTTP
/// status and what to tell the person, so the page, the API and the WebSocket say the same thing.
/// </summary>
public abstract record ChatResult
{
    public sealed record Done(Message Message) : ChatResult;

    public abstract record Refused(int Status, string Detail) : ChatResult;

    public sealed record NotFound(string Detail = "This chat does not exist, or you are not in it.") : Refused(StatusCodes.Status404NotFound, Detail);

    /// <param name="Field">The input at fault, as the API names it.</param>
    public sealed record Invalid(string Error, string Field = "content") : Refused(StatusCodes.Status400BadRequest, Error);

    public sealed record Forbidden(string Detail) : Refused(StatusCodes.Status403Forbidden, Detail);

    public sealed record Conflict(string Detail) : Refused(StatusCodes.Status409Conflict, Detail);

    public sealed record TooLarge(string Detail) : Refused(StatusCodes.Status413PayloadTooLarge, Detail);

    public sealed record UnsupportedType(string Detail) : Refused(StatusCodes.Status415UnsupportedMediaType, Detail);

    public sealed record RateLimited(TimeSpan RetryAfter)
        : Refused(StatusCodes.Status429TooManyRequests, $"You are sending messages too fast. Slow down and try again in {RetryAfterSecondsFor(RetryAfter)} s.")
    {
        /// <summary>Whole seconds for a Retry-After header, never 0.</summary>
        public int RetryAfterSeconds => RetryAfterSecondsFor(RetryAfter);
    }

    public static int RetryAfterSecondsFor(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}

public abstract record StartChatResult
{
    public sealed record Started(Chat Chat, bool Created) : StartChatResult;
    public sealed record Invalid(string Field, string Error) : StartChatResult;
}

/// <summary>
/// Who may see and post what, and how chats start: the rules the browser pages, the JSON API and the WebSocket share.
/// A chat the caller is not in is reported exactly like one that does not exist.
/// </summary>
public sealed partial class ChatService(
    IChatRepository chats,
    IUserRepository users,
    IAttachmentStore attachmentStore,
    Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions> attachmentOptions,
    ILookupNormalizer normalizer,
    IChatEventBus events,
    SendRateLimiter rateLimiter,
    OfflineNotifications offline,
    FeedMetrics metrics,
    TimeProvider clock)
{
    public const int MaxContentLength = 4000;
    public const int MaxTitleLength = 80;
    public const int MaxParticipants = 50;
    public const int MaxChatsListed = 200;
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    public Task<IReadOnlyList<Chat>> ListChatsAsync(string userId, CancellationToken ct = default) =>
        chats.ListForUserAsync(userId, MaxChatsListed, ct);

    public async Task<Chat?> FindChatAsync(string userId, string chatId, CancellationToken ct = default)
    {
        var chat = await chats.FindAsync(chatId, ct);
        return chat is not null && chat.HasParticipant(userId) ? chat : null;
    }

    /// <summary>A page of messages, or null when the chat is not the caller's.</summary>
    public async Task<MessagePage?> GetMessagesAsync(string userId, string chatId, long? before, long? after, int limit, CancellationToken ct = default) =>
        await FindChatAsync(userId, chatId, ct) is { } chat ? await GetMessagesAsync(userId, chat, before, after, limit, ct) : null;

    /// <summary>As above, for a chat the caller has already loaded (no second read of it). Callers check <see cref="ValidatePaging"/> first.</summary>
    public async Task<MessagePage?> GetMessagesAsync(string userId, Chat chat, long? before, long? after, int limit, CancellationToken ct = default)
    {
        if (ValidatePaging(before, after, limit) is { } invalid)
        {
            throw new ArgumentOutOfRangeException(invalid.Field, invalid.Error);
        }
        return chat.HasParticipant(userId) ? await chats.GetMessagesAsync(chat.Id, before, after, limit, ct) : null;
    }

    /// <summary>
    /// The message with seq <paramref name="seq"/> and up to <paramref name="limit"/> others around it (about half before),
    /// oldest first: opening a chat at a search hit or a quoted message. Null when the chat is not the caller's.
    /// </summary>
    public async Task<MessageWindow?> GetMessagesAroundAsync(string userId, Chat chat, long seq, int limit, CancellationToken ct = default)
    {
        if (ValidatePaging(null, null, limit, seq) is { } invalid)
        {
            throw new ArgumentOutOfRangeException(invalid.Field, invalid.Error);
        }
        if (!chat.HasParticipant(userId))
        {
            return null;
        }
        seq = Math.Min(seq, Math.Max(1, chat.LastSeq));
        // Read a full page on each side, then keep about half of each; near either end the other side fills the rest.
        var upTo = await chats.GetMessagesAsync(chat.Id, before: seq + 1, after: null, limit + 1, ct);
        var after = await chats.GetMessagesAsync(chat.Id, before: null, after: seq, limit, ct);
        var fromBefore = Math.Min(upTo.Messages.Count, Math.Max(limit / 2 + 1, limit + 1 - after.Messages.Count));
        var fromAfter = Math.Min(after.Messages.Count, limit + 1 - fromBefore);
        return new MessageWindow(
            [.. upTo.Messages.Skip(upTo.Messages.Count - fromBefore), .. after.Messages.Take(fromAfter)],
            upTo.HasMore || fromBefore < upTo.Messages.Count,
            after.HasMore || fromAfter < after.Messages.Count);
    }

    /// <summary>
    /// The paging rule of API.md, for every way of paging (API, pages): <c>limit</c> 1 to 100, seqs at least 0,
    /// <c>after</c> below <c>before</c>, <c>around</c> a seq of 1 or more and alone. Null when the values are good.
    /// </summary>
    public static (string Field, string Error)? ValidatePaging(long? before, long? after, int? limit, long? around = null) =>
        limit is < 1 or > MaxPageSize ? ("limit", $"limit must be between 1 and {MaxPageSize}.")
        : before is < 1 ? ("before", "before must be a seq of 1 or more.")
        : after is < 0 ? ("after", "after must be a seq of 0 or more.")
        : before is not null && after is not null && after >= before ? ("after", "after must be less than before.")
        : around is < 1 ? ("around", "around must be a seq of 1 or more.")
        : around is not null && (before is not null || after is not null) ? ("around", "around goes alone, without before or after.")
        : null;

    public static string? ValidateContent(string? content)
    {
        var length = content is null ? 0 : content.Trim().EnumerateRunes().Count();
        return length == 0 ? "Write a message first."
            : length > MaxContentLength ? $"A message can have at most {MaxContentLength} characters; this one has {length}."
            : null;
    }

    /// <summary>
    /// Sends a message, optionally as a reply to <paramref name="replyToId"/> (a message of the same chat that people can
    /// still act on) and with files: <paramref name="attachmentIds"/> name the sender's unsent uploads in this chat. A
    /// message with files may have no text.
    /// </summary>
    public async Task<ChatResult> SendAsync(
        string userId, string userName, string chatId, string? content, string? replyToId = null, IReadOnlyList<string>? attachmentIds = null,
        CancellationToken ct = default)
    {
        attachmentIds ??= [];
        content = attachmentIds.Count > 0 && string.IsNullOrWhiteSpace(content) ? "" : content ?? "";
        if ((attachmentIds.Count == 0 || content.Trim().Length > 0) && ValidateContent(content) is { } error)
        {
            return new ChatResult.Invalid(error);
        }
        if (attachmentIds.Count > attachmentOptions.Value.MaxPerMessage)
        {
            return new ChatResult.Invalid($"A message can carry at most {attachmentOptions.Value.MaxPerMessage} files.", "attachments");
        }
        // A plain message needs nothing from the chat beforehand (the append itself refuses a sender who is not in it);
        // mentions are resolved against its people, and a reply or files are checked only for a participant.
        IReadOnlyList<Mention> mentions = [];
        if (replyToId is not null || attachmentIds.Count > 0 || MentionText.MayMention(content))
        {
            if (await FindChatAsync(userId, chatId, ct) is not { } chat)
            {
                return new ChatResult.NotFound();
            }
            mentions = MentionsIn(content, chat);
        }
        ReplyRef? replyTo = null;
        if (replyToId is not null)
        {
            if (await chats.FindMessageAsync(chatId, replyToId, ct) is not { IsActionable: true } original)
            {
                return new ChatResult.Invalid(ReplyRefused, "replyTo");
            }
            replyTo = ReplyRef.Of(original);
        }
        var attachments = new List<Attachment>(attachmentIds.Count);
        foreach (var id in attachmentIds)
        {
            if (!Ids.IsWellFormed(id) || attachments.Any(a => a.Id == id)
                || await attachmentStore.FindAsync(id, ct) is not { } upload || !upload.IsUnsentUploadOf(userId, chatId))
            {
                return new ChatResult.Invalid(AttachmentRefused, "attachments");
            }
            attachments.Add(upload);
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } retryAfter)
        {
            return new ChatResult.RateLimited(retryAfter);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await StoreAndPublishAsync(async () =>
                await chats.AppendMessageAsync(chatId, userId, userName, content, Now(), replyTo, mentions, attachments, ct) is { } sent
                    ? new MessageChange(sent.Message, sent.Chat, Changed: true)
                    : null, ChangeKind.MessagePosted);
            metrics.SendTook(Stopwatch.GetElapsedTime(started));
            if (result is not { } done)
            {
                return new ChatResult.NotFound();
            }
            offline.MessagePosted(done.Chat, done.Message);
            return new ChatResult.Done(done.Message);
        }
        catch (AttachmentsNotAvailableException)
        {
            // Sent meanwhile by another request naming the same upload.
            return new ChatResult.Invalid(AttachmentRefused, "attachments");
        }
    }

    public const string AttachmentRefused = "Attach only files you uploaded to this chat and have not sent yet.";

    /// <summary>The sender replaces the text of their message (the same rules as sending); everyone sees <c>edited</c>.</summary>
    public async Task<ChatResult> EditAsync(string userId, string chatId, string messageId, string? content, CancellationToken ct = default)
    {
        if (ValidateContent(content) is { } error)
        {
            return new ChatResult.Invalid(error);
        }
        var found = await LocateMessageAsync(userId, chatId, messageId, ct);
        if (found.Refusal is { } refusal)
        {
            return refusal;
        }
        var message = found.Message!;
        if (message.Kind == MessageKind.System || message.SenderId != userId)
        {
            return new ChatResult.Forbidden("Only the person who sent a message can edit it.");
        }
        if (message.Deleted)
        {
            return new ChatResult.Conflict(EditOfDeleted);
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } retryAfter)
        {
            return new ChatResult.RateLimited(retryAfter);
        }
        var edited = await StoreAndPublishAsync(() => chats.EditMessageAsync(chatId, messageId, content!, Now(), MentionsIn(content!, found.Chat!), ct), ChangeKind.MessageUpdated);
        return edited is { } done ? new ChatResult.Done(done.Message) : new ChatResult.Conflict(EditOfDeleted);
    }

    /// <summary>The sender (or an admin) takes a message back: a tombstone stays in the log for everyone.</summary>
    public async Task<ChatResult> DeleteAsync(string userId, bool isAdmin, string chatId, string messageId, CancellationToken ct = default)
    {
        var found = await LocateMessageAsync(userId, chatId, messageId, ct);
        if (found.Refusal is { } refusal)
        {
            return refusal;
        }
        var message = found.Message!;
        if (message.Kind == MessageKind.System || (message.SenderId != userId && !isAdmin))
        {
            return new ChatResult.Forbidden("Only the person who sent a message, or an admin, can delete it.");
        }
        if (message.Deleted)
        {
            return new ChatResult.Done(message);
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } retryAfter)
        {
            return new ChatResult.RateLimited(retryAfter);
        }
        var deleted = await StoreAndPublishAsync(() => chats.DeleteMessageAsync(chatId, messageId, ct), ChangeKind.MessageDeleted);
        if (deleted is { Changed: true })
        {
            // The message no longer names its files: their bytes go too.
            await attachmentStore.ReleaseAsync(message.Attachments, CancellationToken.None);
        }
        return deleted is { } done ? new ChatResult.Done(done.Message) : new ChatResult.NotFound("No such message.");
    }

    /// <summary>Adds (<paramref name="on"/>) or takes back the person's reaction; adding one twice counts once.</summary>
    public async Task<ChatResult> ReactAsync(string userId, string userName, string chatId, string messageId, string? reaction, bool on, CancellationToken ct = default)
    {
        if (ValidateReaction(reaction) is { } error)
        {
            return new ChatResult.Invalid(error, "reaction");
        }
        var found = await LocateMessageAsync(userId, chatId, messageId, ct);
        if (found.Refusal is { } refusal)
        {
            return refusal;
        }
        if (!found.Message!.IsActionable)
        {
            return on ? new ChatResult.Invalid(ReactionRefused, "reaction") : new ChatResult.Done(found.Message);
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } retryAfter)
        {
            return new ChatResult.RateLimited(retryAfter);
        }
        var reacted = await StoreAndPublishAsync(() => chats.SetReactionAsync(chatId, messageId, new Reactor(userId, userName), reaction!, on, ct), ChangeKind.MessageUpdated);
        return reacted is { } done ? new ChatResult.Done(done.Message) : new ChatResult.Invalid(ReactionRefused, "reaction");
    }

    public const string ReplyRefused = "You can only reply to a message of this chat that is not deleted.";
    private const string EditOfDeleted = "This message was deleted, so it cannot be edited.";
    private const string ReactionRefused = "Deleted messages and system lines take no reactions.";

    public const int MaxReactionLength = 16;

    /// <summary>API.md's rule: one emoji or a short word, 1 to 16 characters, no white space or control characters.</summary>
    public static string? ValidateReaction(string? reaction)
    {
        if (string.IsNullOrEmpty(reaction))
        {
            return "Choose a reaction.";
        }
        var characters = new System.Globalization.StringInfo(reaction).LengthInTextElements;
        return characters > MaxReactionLength || reaction.Length > 4 * MaxReactionLength
            ? $"A reaction is one emoji or a word of at most {MaxReactionLength} characters."
            : reaction.EnumerateRunes().Any(r => Rune.IsWhiteSpace(r) || Rune.IsControl(r) || Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.Format && r.Value != 0x200D && r.Value != 0xFE0F)
                ? "A reaction has no spaces or control characters."
                : null;
    }

    /// <summary>A message of a chat the caller is in; null for an outsider and for a wrong id alike.</summary>
    public async Task<Message?> FindMessageAsync(string userId, string chatId, string messageId, CancellationToken ct = default) =>
        (await LocateMessageAsync(userId, chatId, messageId, ct)).Message;

    /// <summary>A message of a chat the caller is in, or the refusal to give (404 for both an outsider and a wrong id).</summary>
    private async Task<FoundMessage> LocateMessageAsync(string userId, string chatId, string messageId, CancellationToken ct)
    {
        if (await FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return new FoundMessage(null, null, new ChatResult.NotFound());
        }
        return await chats.FindMessageAsync(chatId, messageId, ct) is { } message
            ? new FoundMessage(message, chat, null)
            : new FoundMessage(null, chat, new ChatResult.NotFound("No such message."));
    }

    private sealed record FoundMessage(Message? Message, Chat? Chat, ChatResult.Refused? Refusal);

    /// <summary>The participants named as <c>@username</c> (see <see cref="MentionText"/>), each once, in the order first named.</summary>
    public static IReadOnlyList<Mention> MentionsIn(string content, Chat chat) =>
        [.. MentionText.Find(content, name => chat.Participants.Find(p => p.UserName.Equals(name, StringComparison.OrdinalIgnoreCase)))
            .Select(m => m.Who).DistinctBy(p => p.UserId).Select(p => new Mention(p.UserId, p.UserName))];

    /// <summary>
    /// Stores one change and publishes it; a change that changed nothing is not published. Changes of one chat stored at
    /// the same time (here or on other instances) may be published in either order: the ChangeSequencer puts them back
    /// in version order, once for all streams, so sends to one chat need not wait for each other.
    /// </summary>
    private async Task<MessageChange?> StoreAndPublishAsync(Func<Task<MessageChange?>> store, ChangeKind kind, ChatDetailsChange? details = null)
    {
        var change = await store();
        if (change is { Changed: true })
        {
            events.Publish(details is null ? new ChatChange(kind, change.Chat, change.Message) : ChatChange.OfDetails(change.Chat, change.Message, details));
        }
        return change;
    }

    public const int DefaultSearchPageSize = 20;
    public const int MaxSearchPageSize = 50;

    /// <summary>
    /// Messages matching <paramref name="text"/> in the caller's chats (or in <paramref name="chatId"/>), newest first,
    /// <paramref name="limit"/> at a time from <paramref name="before"/> (a cursor from the previous page).
    /// </summary>
    public async Task<(SearchPage? Page, ChatResult.Refused? Refusal)> SearchAsync(
        string userId, string? text, string? chatId, string? before, int limit, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, new ChatResult.Invalid("Type something to search for.", "q"));
        }
        if (text.Length > SearchQuery.MaxLength)
        {
            return (null, new ChatResult.Invalid($"Search for at most {SearchQuery.MaxLength} characters.", "q"));
        }
        if (limit is < 1 or > MaxSearchPageSize)
        {
            return (null, new ChatResult.Invalid($"limit must be between 1 and {MaxSearchPageSize}.", "limit"));
        }
        var cursor = SearchCursor.Decode(before);
        if (before is not null && cursor is null)
        {
            return (null, new ChatResult.Invalid("That is not a cursor from a previous page of results.", "before"));
        }
        if (chatId is not null && await FindChatAsync(userId, chatId, ct) is null)
        {
            return (null, new ChatResult.NotFound());
        }
        return (await chats.SearchAsync(userId, SearchQuery.Parse(text), chatId, cursor, limit, ct), null);
    }

    /// <summary>Marks the chat read up to <paramref name="seq"/> (at most its newest message). False when not the caller's.</summary>
    public async Task<bool> MarkReadAsync(string userId, string chatId, long seq, CancellationToken ct = default) =>
        await FindChatAsync(userId, chatId, ct) is { } chat && await MarkReadAsync(userId, chat, seq, ct);

    /// <summary>As above, for a chat the caller has already loaded (no second read of it).</summary>
    public async Task<bool> MarkReadAsync(string userId, Chat chat, long seq, CancellationToken ct = default)
    {
        if (chat.Participant(userId) is not { } participant)
        {
            return false;
        }
        var upTo = Math.Min(seq, chat.LastSeq);
        if (upTo > participant.ReadSeq && await chats.MarkReadAsync(chat.Id, userId, upTo, ct))
        {
            events.Publish(new ChatRead(userId, chat.Id, chat.LastSeq - upTo));
        }
        return true;
    }

    /// <summary>
    /// Starts a chat between the caller and the named people. Two people without a title make a direct chat,
    /// and the existing one is returned if they already have one.
    /// </summary>
    public async Task<StartChatResult> StartChatAsync(ChatUser creator, IReadOnlyCollection<string> participantNames, string? title, CancellationToken ct = default)
    {
        title = string.IsNullOrWhiteSpace(title) ? null : title.Trim();
        if (title is { Length: > MaxTitleLength })
        {
            return new StartChatResult.Invalid("Title", $"A title can have at most {MaxTitleLength} characters.");
        }
        var normalized = NamesIn(participantNames).Where(n => n.Key != creator.NormalizedUserName).ToList();
        if (normalized.Count == 0)
        {
            return new StartChatResult.Invalid("Participants", "Name at least one other person by username.");
        }
        if (normalized.Count > MaxParticipants)
        {
            return new StartChatResult.Invalid("Participants", $"A chat can have at most {MaxParticipants} other people.");
        }
        var (others, unknown) = await FindPeopleAsync(normalized, ct);
        if (unknown is not null)
        {
            return new StartChatResult.Invalid("Participants", unknown);
        }

        var now = Now();
        var chat = new Chat
        {
            CreatorId = creator.Id,
            Title = title,
            DirectKey = title is null && others.Count == 1 ? Chat.DirectKeyFor(creator.Id, others[0].Id) : null,
            Participants = [.. others.Prepend(creator).Select(u => new ChatParticipant { UserId = u.Id, UserName = u.UserName })],
            CreatedAt = now,
            LastActivityAt = now,
        };
        if (chat.DirectKey is not null && await chats.FindByDirectKeyAsync(chat.DirectKey, ct) is { } existing)
        {
            return new StartChatResult.Started(existing, Created: false);
        }
        var (stored, created) = await chats.CreateAsync(chat, ct);
        if (created)
        {
            events.Publish(new ChatStarted(stored));
        }
        return new StartChatResult.Started(stored, created);
    }

    /// <summary>Usernames as typed, each once (compared as Identity compares them), with their lookup keys.</summary>
    private IEnumerable<(string Name, string Key)> NamesIn(IEnumerable<string?> names) => names
        .OfType<string>()
        .Select(n => n.Trim()).Where(n => n.Length > 0)
        .Select(n => (Name: n, Key: normalizer.NormalizeName(n)))
        .DistinctBy(n => n.Key);

    /// <summary>The accounts named, in the order named; or what to say when some name nobody.</summary>
    private async Task<(List<ChatUser> People, string? Unknown)> FindPeopleAsync(IReadOnlyList<(string Name, string Key)> names, CancellationToken ct)
    {
        var found = await users.FindByNormalizedUserNamesAsync([.. names.Select(n => n.Key)], ct);
        var unknown = names.Where(n => !found.Any(u => u.NormalizedUserName == n.Key)).Select(n => n.Name).ToList();
        return unknown.Count > 0
            ? ([], $"No user named {string.Join(", ", unknown.Select(n => $"'{n}'"))}.")
            : ([.. names.Select(n => found.First(u => u.NormalizedUserName == n.Key))], null);
    }

    /// <summary>Splits what people type in "Participants": usernames separated by commas or white space.</summary>
    public static IReadOnlyList<string> ParseParticipants(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split([',', ' ', '\t', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries);

    // Stores keep milliseconds; trimming here makes what is returned equal what is stored.
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
}
