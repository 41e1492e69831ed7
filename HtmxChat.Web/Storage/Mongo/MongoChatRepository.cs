using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using MongoDB.Driver;

namespace HtmxChat.Web.Storage.Mongo;

public sealed class MongoChatRepository(MongoDatabase mongo) : IChatRepository
{
    public bool VersionsCommitWithTheirRows => false;

    public async Task<(Chat Chat, bool Created)> CreateAsync(Chat chat, CancellationToken ct = default)
    {
        try
        {
            await mongo.Chats.InsertOneAsync(ChatDocument.From(chat), cancellationToken: ct);
            return (chat, true);
        }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey && chat.DirectKey is not null)
        {
            var existing = await FindByDirectKeyAsync(chat.DirectKey, ct);
            return existing is null ? throw new InvalidOperationException("Direct chat vanished after a key conflict.", e) : (existing, false);
        }
    }

    public async Task<Chat?> FindAsync(string chatId, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(chatId) ? (await mongo.Chats.Find(c => c.Id == chatId).FirstOrDefaultAsync(ct))?.ToDomain() : null;

    public async Task<Chat?> FindByDirectKeyAsync(string directKey, CancellationToken ct = default) =>
        (await mongo.Chats.Find(c => c.DirectKey == directKey).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<IReadOnlyList<Chat>> ListForUserAsync(string userId, int limit, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(userId))
        {
            return [];
        }
        var documents = await mongo.Chats.Find(MongoFilters.ChatsOf(userId)).Sort(MongoFilters.MostRecentFirst).Limit(limit).ToListAsync(ct);
        return [.. documents.Select(d => d.ToDomain())];
    }

    public async Task<(Message Message, Chat Chat)?> AppendMessageAsync(
        string chatId, string senderId, string senderName, string content, DateTimeOffset timestamp, ReplyRef? replyTo = null,
        IReadOnlyList<Mention>? mentions = null, IReadOnlyList<Attachment>? attachments = null, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId))
        {
            return null;
        }
        var messageId = Ids.New();
        attachments ??= [];
        if (attachments.Count > 0)
        {
            await ClaimAttachmentsAsync(messageId, chatId, senderId, attachments, ct);
        }
        var draft = new Message(messageId, chatId, 0, senderId, senderName, content, timestamp) { Attachments = attachments };
        var summary = MessageSummaryDocument.From(new MessageSummary(senderId, senderName, draft.Preview, timestamp));
        // One findOneAndUpdate takes the next seq and version and moves last_message, so they always agree.
        var chat = await mongo.Chats.FindOneAndUpdateAsync(
            MongoFilters.Member(chatId, senderId),
            Builders<ChatDocument>.Update.Inc(c => c.LastSeq, 1).Inc(c => c.Version, 1).Set(c => c.LastMessage, summary).Set(c => c.LastActivityAt, timestamp.UtcDateTime),
            new FindOneAndUpdateOptions<ChatDocument> { ReturnDocument = ReturnDocument.After },
            ct);
        if (chat is null)
        {
            await ReleaseClaimAsync(messageId);
            return null;
        }
        // The seq is taken: finish the message even if the caller goes away, or the chat would show one that was never stored.
        var message = draft with
        {
            Seq = chat.LastSeq,
            Version = chat.Version,
            CreatedVersion = chat.Version,
            ReplyTo = replyTo,
            Mentions = mentions ?? [],
            Attachments = [.. attachments.Select(a => a with { MessageId = messageId })],
        };
        await mongo.Messages.InsertOneAsync(MessageDocument.From(message), cancellationToken: CancellationToken.None);
        await MarkReadAsync(chatId, senderId, message.Seq, CancellationToken.None);
        if (message.Mentions.Count > 0 && await RecountMentionsAsync(chatId, message.Mentions.Select(m => m.UserId)) is { } counted)
        {
            chat.Members = counted.Members;
        }
        if (chat.Members.Find(m => m.UserId == senderId) is { } sender)
        {
            sender.ReadSeq = Math.Max(sender.ReadSeq, message.Seq);
        }
        return (message, chat.ToDomain());
    }

    /// <summary>
    /// Marks the uploads as the message's, all or none: a message naming one that is sent already or not the sender's
    /// gives back those it took, before it takes a seq.
    /// </summary>
    private async Task ClaimAttachmentsAsync(string messageId, string chatId, string senderId, IReadOnlyList<Attachment> attachments, CancellationToken ct)
    {
        var claimed = await mongo.Attachments.UpdateManyAsync(
            MongoFilters.UnsentUploads(attachments.Select(a => a.Id), chatId, senderId),
            Builders<AttachmentDocument>.Update.Set(a => a.MessageId, messageId), cancellationToken: ct);
        if (claimed.ModifiedCount != attachments.Select(a => a.Id).Distinct().Count() || attachments.Select(a => a.Id).Distinct().Count() != attachments.Count)
        {
            await ReleaseClaimAsync(messageId);
            throw new AttachmentsNotAvailableException();
        }
    }

    private Task ReleaseClaimAsync(string messageId) => mongo.Attachments.UpdateManyAsync(
        Builders<AttachmentDocument>.Filter.Eq(a => a.MessageId, messageId), Builders<AttachmentDocument>.Update.Set(a => a.MessageId, null));

    public async Task<(Message Line, Chat Chat)?> ChangeDetailsAsync(
        string chatId, ChatDetailsChange change, string actorId, string actorName, string line, DateTimeOffset timestamp, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId))
        {
            return null;
        }
        var summary = MessageSummaryDocument.From(new MessageSummary(actorId, actorName, line, timestamp));
        var (filter, update) = MongoFilters.DetailsChange(chatId, change, summary, timestamp.UtcDateTime);
        var chat = await mongo.Chats.FindOneAndUpdateAsync(filter, update, AfterUpdate<ChatDocument>(), ct);
        if (chat is null)
        {
            return null;
        }
        // The seq and version are taken: finish even if the caller goes away. The line is stored before the chat names
        // its version as the details version, so a reader never sees the details change without its line.
        var message = new Message(Ids.New(), chatId, chat.LastSeq, actorId, actorName, line, timestamp)
        {
            Kind = MessageKind.System,
            Version = chat.Version,
            CreatedVersion = chat.Version,
        };
        await mongo.Messages.InsertOneAsync(MessageDocument.From(message), cancellationToken: CancellationToken.None);
        await mongo.Chats.UpdateOneAsync(MongoFilters.ChatById(chatId), MongoFilters.DetailsVersionAtLeast(chat.Version), cancellationToken: CancellationToken.None);
        if (change is ChatDetailsChange.AddPeople joined)
        {
            foreach (var person in joined.People)
            {
                await mongo.Chats.UpdateOneAsync(MongoFilters.Member(chatId, person.UserId), MongoFilters.ReadUpTo(message.Seq - 1), cancellationToken: CancellationToken.None);
            }
        }
        await MarkReadAsync(chatId, actorId, message.Seq, CancellationToken.None);
        return (message, await CurrentChatAsync(chatId));
    }

    public async Task<MessagePage> GetMessagesAsync(string chatId, long? before, long? after, int limit, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId))
        {
            return new MessagePage([], false);
        }
        var oldestFirst = after is not null;
        var sort = oldestFirst ? Builders<MessageDocument>.Sort.Ascending(m => m.Seq) : Builders<MessageDocument>.Sort.Descending(m => m.Seq);
        var documents = await mongo.Messages.Find(MongoFilters.MessagesBetween(chatId, before, after)).Sort(sort).Limit(limit + 1).ToListAsync(ct);
        var hasMore = documents.Count > limit;
        var messages = await ToDomainAsync(documents.Take(limit), ct);
        if (!oldestFirst)
        {
            messages.Reverse();
        }
        return new MessagePage(messages, hasMore);
    }

    public async Task<MessagePage> GetChangedMessagesAsync(string chatId, long afterVersion, int limit, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId))
        {
            return new MessagePage([], false);
        }
        var documents = await mongo.Messages.Find(MongoFilters.ChangedAfter(chatId, afterVersion))
            .Sort(MongoFilters.OldestChangeFirst).Limit(limit + 1).ToListAsync(ct);
        return new MessagePage(await ToDomainAsync(documents.Take(limit), ct), documents.Count > limit);
    }

    public async Task<bool> SetNotificationsAsync(string chatId, string userId, NotificationLevel level, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(chatId) && MongoFilters.IsObjectId(userId)
        && (await mongo.Chats.UpdateOneAsync(MongoFilters.Member(chatId, userId), MongoFilters.NotificationsOf(level), cancellationToken: ct)).MatchedCount == 1;

    public async Task<bool> MarkReadAsync(string chatId, string userId, long seq, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId) || !MongoFilters.IsObjectId(userId))
        {
            return false;
        }
        var chat = await mongo.Chats.FindOneAndUpdateAsync(MongoFilters.Member(chatId, userId), MongoFilters.ReadUpTo(seq), AfterUpdate<ChatDocument>(), ct);
        if (chat?.Members.Find(m => m.UserId == userId) is { UnreadMentions: > 0 } member)
        {
            // Read to the newest message (the usual case, and every send): nothing can be left to count.
            if (member.ReadSeq >= chat.LastSeq)
            {
                await mongo.Chats.UpdateOneAsync(MongoFilters.Member(chatId, userId), MongoFilters.UnreadMentions(0), cancellationToken: CancellationToken.None);
            }
            else
            {
                await RecountMentionsAsync(chatId, [member], CancellationToken.None);
            }
        }
        return chat is not null;
    }

    /// <summary>
    /// Sets each member's unread mentions from the messages (after a read, an edit or a deletion changed them) and
    /// returns the chat as it then is.
    /// </summary>
    private async Task<ChatDocument?> RecountMentionsAsync(string chatId, IEnumerable<MemberDocument> members, CancellationToken ct)
    {
        foreach (var member in members)
        {
            var count = await mongo.Messages.CountDocumentsAsync(MongoFilters.UnreadMentionsOf(chatId, member.UserId, member.ReadSeq), cancellationToken: ct);
            await mongo.Chats.UpdateOneAsync(MongoFilters.Member(chatId, member.UserId), MongoFilters.UnreadMentions(count), cancellationToken: ct);
        }
        return await FindChatDocumentAsync(chatId);
    }

    /// <summary>After a message's mentions changed: the members named before or after, recounted.</summary>
    private async Task<ChatDocument?> RecountMentionsAsync(string chatId, IEnumerable<string> userIds)
    {
        var chat = await FindChatDocumentAsync(chatId);
        var affected = chat?.Members.Where(m => userIds.Contains(m.UserId)).ToList() ?? [];
        return affected.Count == 0 ? chat : await RecountMentionsAsync(chatId, affected, CancellationToken.None);
    }

    public async Task<Message?> FindMessageAsync(string chatId, string messageId, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(chatId) && MongoFilters.IsObjectId(messageId)
            && await mongo.Messages.Find(MongoFilters.MessageOf(chatId, messageId)).FirstOrDefaultAsync(ct) is { } document
                ? (await ToDomainAsync([document], ct))[0]
                : null;

    /// <summary>The messages with the ones they reply to as those read now, looked up for all of them at once.</summary>
    private async Task<List<Message>> ToDomainAsync(IEnumerable<MessageDocument> documents, CancellationToken ct)
    {
        var list = documents.ToList();
        var replyIds = list.Select(d => d.ReplyToId).OfType<string>().Distinct().ToList();
        var originals = replyIds.Count == 0 ? [] : (await mongo.Messages.Find(Builders<MessageDocument>.Filter.In(m => m.Id, replyIds)).ToListAsync(ct))
            .ToDictionary(o => o.Id, o => ReplyRef.Of(o.ToDomain()));
        return [.. list.Select(d => d.ToDomain() with { ReplyTo = d.ReplyToId is { } id ? originals.GetValueOrDefault(id) : null })];
    }

    public async Task<MessageChange?> EditMessageAsync(
        string chatId, string messageId, string content, DateTimeOffset editedAt, IReadOnlyList<Mention>? mentions = null, CancellationToken ct = default)
    {
        if (await FindMessageAsync(chatId, messageId, ct) is not { Deleted: false } message)
        {
            return null;
        }
        var version = await NextVersionAsync(chatId, ct);
        var edited = await mongo.Messages.FindOneAndUpdateAsync(MongoFilters.LiveMessageOf(chatId, messageId),
            MongoFilters.Edit(content, editedAt, version, mentions), AfterUpdate<MessageDocument>(), CancellationToken.None);
        if (edited is null)
        {
            return null;
        }
        var chat = await mongo.Chats.FindOneAndUpdateAsync(MongoFilters.NewestIs(chatId, message.Seq),
            Builders<ChatDocument>.Update.Set(c => c.LastMessage!.Content, content), AfterUpdate<ChatDocument>(), CancellationToken.None);
        var named = message.Mentions.Select(m => m.UserId).Concat((mentions ?? []).Select(m => m.UserId)).Distinct().ToList();
        if (named.Count > 0)
        {
            chat = await RecountMentionsAsync(chatId, named);
        }
        return new MessageChange((await ToDomainAsync([edited], CancellationToken.None))[0], await CurrentChatAsync(chatId, chat), Changed: true);
    }

    public async Task<MessageChange?> DeleteMessageAsync(string chatId, string messageId, CancellationToken ct = default)
    {
        if (await FindMessageAsync(chatId, messageId, ct) is not { } message)
        {
            return null;
        }
        if (message.Deleted)
        {
            return new MessageChange(message, await CurrentChatAsync(chatId), Changed: false);
        }
        var version = await NextVersionAsync(chatId, ct);
        var deleted = await mongo.Messages.FindOneAndUpdateAsync(MongoFilters.LiveMessageOf(chatId, messageId),
            MongoFilters.Tombstone(version), AfterUpdate<MessageDocument>(), CancellationToken.None);
        var chat = await mongo.Chats.FindOneAndUpdateAsync(MongoFilters.NewestIs(chatId, message.Seq),
            Builders<ChatDocument>.Update.Set(c => c.LastMessage!.Content, "").Set(c => c.LastMessage!.Deleted, true), AfterUpdate<ChatDocument>(), CancellationToken.None);
        await mongo.Attachments.DeleteManyAsync(Builders<AttachmentDocument>.Filter.Eq(a => a.MessageId, messageId), CancellationToken.None);
        if (message.Mentions.Count > 0)
        {
            chat = await RecountMentionsAsync(chatId, message.Mentions.Select(m => m.UserId));
        }
        var tombstone = deleted?.ToDomain() ?? await FindMessageAsync(chatId, messageId, CancellationToken.None);
        return new MessageChange(tombstone!, await CurrentChatAsync(chatId, chat), Changed: deleted is not null);
    }

    public async Task<MessageChange?> SetReactionAsync(string chatId, string messageId, Reactor reactor, string reaction, bool on, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(chatId) || !MongoFilters.IsObjectId(messageId) || !MongoFilters.IsObjectId(reactor.UserId))
        {
            return null;
        }
        // The filter makes the toggle atomic: a reaction is pushed only if this person's is not there yet, pulled only if it is.
        var toggled = await mongo.Messages.UpdateOneAsync(
            MongoFilters.WithReaction(chatId, messageId, reaction, reactor.UserId, has: !on),
            on ? MongoFilters.AddReaction(reaction, reactor) : MongoFilters.RemoveReaction(reaction, reactor.UserId),
            cancellationToken: ct);
        if (toggled.ModifiedCount == 0)
        {
            return await FindMessageAsync(chatId, messageId, ct) is { Deleted: false } unchanged
                ? new MessageChange(unchanged, await CurrentChatAsync(chatId), Changed: false)
                : null;
        }
        var version = await NextVersionAsync(chatId, CancellationToken.None);
        var updated = await mongo.Messages.FindOneAndUpdateAsync(MongoFilters.MessageOf(chatId, messageId),
            MongoFilters.AtVersion(version), AfterUpdate<MessageDocument>(), CancellationToken.None);
        return new MessageChange((await ToDomainAsync([updated], CancellationToken.None))[0], await CurrentChatAsync(chatId), Changed: true);
    }

    /// <summary>Takes the chat's next version. The change it stands for is written after, so it is finished even if the caller goes away.</summary>
    private async Task<long> NextVersionAsync(string chatId, CancellationToken ct) =>
        (await mongo.Chats.FindOneAndUpdateAsync(Builders<ChatDocument>.Filter.Eq(c => c.Id, chatId), MongoFilters.NextVersion,
            AfterUpdate<ChatDocument>(), ct)).Version;

    /// <summary>The chat as an update left it (<paramref name="known"/>), else as it is stored now.</summary>
    private async Task<Chat> CurrentChatAsync(string chatId, ChatDocument? known = null) => (known ?? await FindChatDocumentAsync(chatId))!.ToDomain();

    private async Task<ChatDocument?> FindChatDocumentAsync(string chatId) =>
        await mongo.Chats.Find(c => c.Id == chatId).FirstOrDefaultAsync(CancellationToken.None);

    private static FindOneAndUpdateOptions<T> AfterUpdate<T>() => new() { ReturnDocument = ReturnDocument.After };

    public async Task<SearchPage> SearchAsync(string userId, SearchQuery query, string? chatId, SearchCursor? before, int limit, CancellationToken ct = default)
    {
        if (query.IsEmpty || !MongoFilters.IsObjectId(userId) || (before is not null && !MongoFilters.IsObjectId(before.Tiebreak)))
        {
            return new SearchPage([], null);
        }
        var chatIds = await mongo.Chats.Find(MongoFilters.ChatsOf(userId)).Project(c => c.Id).ToListAsync(ct);
        if (chatId is not null)
        {
            chatIds = chatIds.Contains(chatId) ? [chatId] : [];
        }
        if (chatIds.Count == 0)
        {
            return new SearchPage([], null);
        }
        var documents = await mongo.Messages.Find(MongoFilters.Matching(query, chatIds, before)).Sort(MongoFilters.NewestFirst).Limit(limit + 1).ToListAsync(ct);
        var page = await ToDomainAsync(documents.Take(limit), ct);
        var chats = new Dictionary<string, Chat>();
        foreach (var id in page.Select(m => m.ChatId).Distinct())
        {
            chats[id] = (await FindChatDocumentAsync(id))!.ToDomain();
        }
        var hits = page.Select(m => new SearchHit(m, chats[m.ChatId], Snippet(m.Content, query))).ToList();
        var next = documents.Count > limit ? new SearchCursor(page[^1].Timestamp.ToUnixTimeMilliseconds(), page[^1].Id).Encode() : null;
        return new SearchPage(hits, next);
    }

    /// <summary>Mongo returns no snippet: the text around the first match, each word of the query marked.</summary>
    private static string Snippet(string content, SearchQuery query)
    {
        const char open = '\u0002', close = '\u0003';
        var words = query.Phrases.SelectMany(SearchQuery.Words).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var marked = System.Text.RegularExpressions.Regex.Replace(content,
            string.Join('|', words.Select(System.Text.RegularExpressions.Regex.Escape)),
            m => $"{open}{m.Value}{close}", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
            TimeSpan.FromMilliseconds(100));
        var first = Math.Max(0, marked.IndexOf(open, StringComparison.Ordinal) - 60);
        var window = marked.Length - first > 200 ? marked.Substring(first, 200) + "…" : marked[first..];
        return SearchQuery.Highlight((first > 0 ? "…" : "") + window, open, close);
    }
}
