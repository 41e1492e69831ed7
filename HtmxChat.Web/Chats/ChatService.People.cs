using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Chats;

/// <summary>What came of renaming a chat or changing its people: the chat as it now is, or why not.</summary>
public abstract record ChatUpdateResult
{
    public sealed record Updated(Chat Chat) : ChatUpdateResult;

    public sealed record Refused(ChatResult.Refused Reason) : ChatUpdateResult;
}

// Group chats people manage: rename, add people, remove people, leave. Each change is stored with a system line that
// tells everyone of it, and goes out as one chat.updated change; a direct chat stays two people with no title.
public sealed partial class ChatService
{
    public const string DirectChatIsFixed = "A direct chat stays between its two people; start a group chat to add people or name it.";
    public const string RemoveForbidden = "Only the chat's creator or an admin can remove other people.";

    public async Task<ChatUpdateResult> RenameAsync(string userId, string userName, string chatId, string? title, CancellationToken ct = default)
    {
        title = string.IsNullOrWhiteSpace(title) ? null : title.Trim();
        if (title is { Length: > MaxTitleLength })
        {
            return Refuse(new ChatResult.Invalid($"A title can have at most {MaxTitleLength} characters.", "title"));
        }
        if (await FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return Refuse(new ChatResult.NotFound());
        }
        if (chat.DirectKey is not null)
        {
            return Refuse(new ChatResult.Invalid(DirectChatIsFixed, "title"));
        }
        if (chat.Title == title)
        {
            return new ChatUpdateResult.Updated(chat);
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } wait)
        {
            return Refuse(new ChatResult.RateLimited(wait));
        }
        var line = title is null ? $"{userName} removed the chat's title" : $"{userName} renamed the chat to \"{title}\"";
        return await ChangeDetailsAsync(chat.Id, new ChatDetailsChange.Rename(title), userId, userName, line, ct);
    }

    /// <summary>Adds the people named (those already in are left as they are); a direct chat is refused (400).</summary>
    public async Task<ChatUpdateResult> AddPeopleAsync(string userId, string userName, string chatId, IEnumerable<string?> userNames, CancellationToken ct = default)
    {
        var names = NamesIn(userNames).ToList();
        if (names.Count == 0)
        {
            return Refuse(new ChatResult.Invalid("Name at least one person by username.", "usernames"));
        }
        if (await FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return Refuse(new ChatResult.NotFound());
        }
        if (chat.DirectKey is not null)
        {
            return Refuse(new ChatResult.Invalid(DirectChatIsFixed, "usernames"));
        }
        var (people, unknown) = await FindPeopleAsync(names, ct);
        if (unknown is not null)
        {
            return Refuse(new ChatResult.Invalid(unknown, "usernames"));
        }
        var joining = people.Where(p => !chat.HasParticipant(p.Id)).ToList();
        if (joining.Count == 0)
        {
            return new ChatUpdateResult.Updated(chat);
        }
        if (chat.Participants.Count + joining.Count > MaxParticipants + 1)
        {
            return Refuse(new ChatResult.Invalid($"A chat can have at most {MaxParticipants + 1} people.", "usernames"));
        }
        // Every change of a chat's people writes a line to everyone's log, as a message does: the same limit applies.
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } wait)
        {
            return Refuse(new ChatResult.RateLimited(wait));
        }
        var line = $"{userName} added {NameList(joining.Select(p => p.UserName))}";
        var added = new ChatDetailsChange.AddPeople([.. joining.Select(p => new ChatParticipant { UserId = p.Id, UserName = p.UserName })]);
        return await ChangeDetailsAsync(chat.Id, added, userId, userName, line, ct);
    }

    /// <summary>
    /// Takes someone out of the chat: themselves (leaving), or anyone if the caller created the chat or is an admin.
    /// Their streams of the chat end, and from then on the chat answers them 404.
    /// </summary>
    public async Task<ChatUpdateResult> RemovePersonAsync(string userId, string userName, bool isAdmin, string chatId, string personId, CancellationToken ct = default)
    {
        if (await FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return Refuse(new ChatResult.NotFound());
        }
        if (chat.Participant(personId) is not { } person)
        {
            return Refuse(new ChatResult.NotFound("This person is not in the chat."));
        }
        var leaving = personId == userId;
        if (!leaving && chat.CreatorId != userId && !isAdmin)
        {
            return Refuse(new ChatResult.Forbidden(RemoveForbidden));
        }
        if (chat.DirectKey is not null)
        {
            return Refuse(new ChatResult.Invalid(DirectChatIsFixed, "userId"));
        }
        var line = leaving ? $"{userName} left" : $"{userName} removed {person.UserName}";
        return await ChangeDetailsAsync(chat.Id, new ChatDetailsChange.RemovePerson(personId), userId, userName, line, ct);
    }

    /// <summary>
    /// Tells the chat's other people that the caller is typing: nothing is stored. Counts toward the sending limit; clients
    /// send it at most every few seconds while someone types. Null when done.
    /// </summary>
    public async Task<ChatResult.Refused?> TypingAsync(string userId, string userName, string chatId, CancellationToken ct = default)
    {
        if (await FindChatAsync(userId, chatId, ct) is not { } chat)
        {
            return new ChatResult.NotFound();
        }
        if (await rateLimiter.TryAcquireAsync(userId, ct) is { } retryAfter)
        {
            return new ChatResult.RateLimited(retryAfter);
        }
        events.Publish(new ChatTyping(chat.Id, userId, userName, [.. chat.Participants.Where(p => p.UserId != userId).Select(p => p.UserId)]));
        return null;
    }

    /// <summary>The caller's notification level for the chat: <c>all</c>, <c>mentions</c> or <c>none</c>. Null when done.</summary>
    public async Task<ChatResult.Refused?> SetNotificationsAsync(string userId, string chatId, string? level, CancellationToken ct = default)
    {
        if (NotificationLevels.Parse(level) is not { } parsed)
        {
            return new ChatResult.Invalid("Choose all, mentions or none.", "level");
        }
        if (await FindChatAsync(userId, chatId, ct) is null || !await chats.SetNotificationsAsync(chatId, userId, parsed, ct))
        {
            return new ChatResult.NotFound();
        }
        events.Publish(new NotificationsSet(userId, chatId, parsed));
        return null;
    }

    private async Task<ChatUpdateResult> ChangeDetailsAsync(
        string chatId, ChatDetailsChange change, string userId, string userName, string line, CancellationToken ct)
    {
        var stored = await StoreAndPublishAsync(async () =>
            await chats.ChangeDetailsAsync(chatId, change, userId, userName, line, Now(), ct) is { } changed
                ? new MessageChange(changed.Line, changed.Chat, Changed: true)
                : null, ChangeKind.ChatUpdated, change);
        if (stored is not null)
        {
            return new ChatUpdateResult.Updated(stored.Chat);
        }
        // Someone else's change came first (the person left, or was added, meanwhile): answer with the chat as it is.
        return await FindChatAsync(userId, chatId, ct) is { } current ? new ChatUpdateResult.Updated(current) : Refuse(new ChatResult.NotFound());
    }

    private static ChatUpdateResult.Refused Refuse(ChatResult.Refused reason) => new(reason);

    /// <summary><c>ada</c>, <c>ada and bob</c>, <c>ada, bob and cy</c>.</summary>
    private static string NameList(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? list[0] : $"{string.Join(", ", list[..^1])} and {list[^1]}";
    }
}
