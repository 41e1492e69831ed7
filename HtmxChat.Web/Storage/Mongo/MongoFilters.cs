using MongoDB.Bson;
using MongoDB.Driver;

namespace HtmxChat.Web.Storage.Mongo;

/// <summary>The queries the Mongo store sends, in one place so they can be checked without a server.</summary>
public static class MongoFilters
{
    private static readonly FilterDefinitionBuilder<UserDocument> User = Builders<UserDocument>.Filter;
    private static readonly FilterDefinitionBuilder<ChatDocument> Chat = Builders<ChatDocument>.Filter;
    private static readonly FilterDefinitionBuilder<MessageDocument> Message = Builders<MessageDocument>.Filter;

    public static FilterDefinition<UserDocument> UserNamePrefix(string normalizedPrefix) =>
        User.Gte(u => u.NormalizedUserName, normalizedPrefix) & User.Lt(u => u.NormalizedUserName, normalizedPrefix + char.MaxValue);

    public static FilterDefinition<UserDocument> UserVersion(string id, string concurrencyStamp) =>
        User.Eq(u => u.Id, id) & User.Eq(u => u.ConcurrencyStamp, concurrencyStamp);

    public static FilterDefinition<UserDocument> UserById(string userId) => User.Eq(u => u.Id, userId);

    public static UpdateDefinition<UserDocument> LastSeen(DateTimeOffset at) => Builders<UserDocument>.Update.Set(u => u.LastSeenAt, at.UtcDateTime);

    public static FilterDefinition<ChatDocument> ChatById(string chatId) => Chat.Eq(c => c.Id, chatId);

    public static FilterDefinition<ChatDocument> ChatsOf(string userId) => Chat.AnyEq(c => c.Participants, userId);

    public static SortDefinition<ChatDocument> MostRecentFirst { get; } =
        Builders<ChatDocument>.Sort.Descending(c => c.LastActivityAt).Descending(c => c.Id);

    public static FilterDefinition<ChatDocument> Member(string chatId, string userId) =>
        Chat.Eq(c => c.Id, chatId) & Chat.ElemMatch(c => c.Members, Builders<MemberDocument>.Filter.Eq(m => m.UserId, userId));

    /// <summary>With <see cref="Member"/> as the filter: the matched member's notification level.</summary>
    public static UpdateDefinition<ChatDocument> NotificationsOf(Domain.NotificationLevel level) =>
        Builders<ChatDocument>.Update.Set("members.$.notifications", Domain.NotificationLevels.Name(level));

    /// <summary>With <see cref="Member"/> as the filter, the positional <c>$</c> names the matched member.</summary>
    public static UpdateDefinition<ChatDocument> ReadUpTo(long seq) => Builders<ChatDocument>.Update.Max("members.$.read_seq", seq);

    /// <summary>
    /// A details change as one findOneAndUpdate: the chat only while the change still applies (the person to remove is in
    /// it, nobody to add is), the change itself, and the next seq and version with <paramref name="line"/> as the newest
    /// message. The details version follows in a second step (<see cref="DetailsVersionAtLeast"/>).
    /// </summary>
    public static (FilterDefinition<ChatDocument> Filter, UpdateDefinition<ChatDocument> Update) DetailsChange(
        string chatId, Domain.ChatDetailsChange change, MessageSummaryDocument line, DateTime timestamp)
    {
        var update = Builders<ChatDocument>.Update;
        var bump = update.Inc(c => c.LastSeq, 1).Inc(c => c.Version, 1).Set(c => c.LastMessage, line).Set(c => c.LastActivityAt, timestamp);
        var filter = ChatById(chatId);
        switch (change)
        {
            case Domain.ChatDetailsChange.Rename { Title: { } title }:
                return (filter, update.Combine(bump, update.Set(c => c.Title, title)));
            case Domain.ChatDetailsChange.Rename:
                return (filter, update.Combine(bump, update.Unset(c => c.Title)));
            case Domain.ChatDetailsChange.AddPeople add:
                var ids = add.People.Select(p => p.UserId).ToList();
                return (filter & Chat.Not(Chat.AnyIn(c => c.Participants, ids)), update.Combine(bump,
                    update.PushEach(c => c.Participants, ids),
                    update.PushEach(c => c.Members, add.People.Select(p => new MemberDocument { UserId = p.UserId, UserName = p.UserName }))));
            case Domain.ChatDetailsChange.RemovePerson remove:
                return (filter & Chat.AnyEq(c => c.Participants, remove.UserId), update.Combine(bump,
                    update.Pull(c => c.Participants, remove.UserId),
                    update.PullFilter(c => c.Members, Builders<MemberDocument>.Filter.Eq(m => m.UserId, remove.UserId))));
            default:
                throw new ArgumentOutOfRangeException(nameof(change));
        }
    }

    public static UpdateDefinition<ChatDocument> DetailsVersionAtLeast(long version) => Builders<ChatDocument>.Update.Max(c => c.DetailsVersion, version);

    public static FilterDefinition<MessageDocument> MessagesBetween(string chatId, long? before, long? after)
    {
        var filter = Message.Eq(m => m.ChatId, chatId);
        if (after is { } a)
        {
            filter &= Message.Gt(m => m.Seq, a);
        }
        if (before is { } b)
        {
            filter &= Message.Lt(m => m.Seq, b);
        }
        return filter;
    }

    public static FilterDefinition<MessageDocument> ChangedAfter(string chatId, long afterVersion) =>
        Message.Eq(m => m.ChatId, chatId) & Message.Gt(m => m.Version, afterVersion);

    public static SortDefinition<MessageDocument> OldestChangeFirst { get; } = Builders<MessageDocument>.Sort.Ascending(m => m.Version);

    public static FilterDefinition<MessageDocument> MessageOf(string chatId, string messageId) =>
        Message.Eq(m => m.Id, messageId) & Message.Eq(m => m.ChatId, chatId);

    public static FilterDefinition<MessageDocument> LiveMessageOf(string chatId, string messageId) =>
        MessageOf(chatId, messageId) & Message.Eq(m => m.Deleted, false);

    /// <summary>A live message that has (<paramref name="has"/>) or lacks this person's reaction.</summary>
    public static FilterDefinition<MessageDocument> WithReaction(string chatId, string messageId, string reaction, string userId, bool has)
    {
        var mine = Message.ElemMatch(m => m.Reactions,
            Builders<ReactionDocument>.Filter.Eq(r => r.Reaction, reaction) & Builders<ReactionDocument>.Filter.Eq(r => r.UserId, userId));
        return LiveMessageOf(chatId, messageId) & (has ? mine : Message.Not(mine));
    }

    public static UpdateDefinition<MessageDocument> AddReaction(string reaction, Domain.Reactor reactor) =>
        Builders<MessageDocument>.Update.Push(m => m.Reactions, new ReactionDocument { Reaction = reaction, UserId = reactor.UserId, UserName = reactor.UserName });

    public static UpdateDefinition<MessageDocument> RemoveReaction(string reaction, string userId) =>
        Builders<MessageDocument>.Update.PullFilter(m => m.Reactions,
            Builders<ReactionDocument>.Filter.Eq(r => r.Reaction, reaction) & Builders<ReactionDocument>.Filter.Eq(r => r.UserId, userId));

    public static UpdateDefinition<MessageDocument> Edit(string content, DateTimeOffset editedAt, long version, IEnumerable<Domain.Mention>? mentions = null) =>
        Builders<MessageDocument>.Update.Set(m => m.Content, content).Set(m => m.EditedAt, editedAt.UtcDateTime)
            .Set(m => m.Mentions, [.. (mentions ?? []).Select(m => new MentionDocument { UserId = m.UserId, UserName = m.UserName })])
            .Max(m => m.Version, version);

    public static UpdateDefinition<MessageDocument> Tombstone(long version) =>
        Builders<MessageDocument>.Update.Set(m => m.Content, "").Set(m => m.Deleted, true).Set(m => m.Reactions, []).Set(m => m.Mentions, []).Set(m => m.Attachments, []).Max(m => m.Version, version);

    private static readonly FilterDefinitionBuilder<AttachmentDocument> Upload = Builders<AttachmentDocument>.Filter;

    /// <summary>Uploads a message may take: these ids, the sender's, in this chat, not sent yet.</summary>
    public static FilterDefinition<AttachmentDocument> UnsentUploads(IEnumerable<string> ids, string chatId, string uploaderId) =>
        Upload.In(a => a.Id, ids) & Upload.Eq(a => a.ChatId, chatId) & Upload.Eq(a => a.UploaderId, uploaderId) & Upload.Eq(a => a.MessageId, null);

    /// <summary>Unsent uploads older than <paramref name="createdBefore"/>: what the sweep removes.</summary>
    public static FilterDefinition<AttachmentDocument> UnsentBefore(DateTimeOffset createdBefore) =>
        Upload.Eq(a => a.MessageId, null) & Upload.Lt(a => a.CreatedAt, createdBefore.UtcDateTime);

    public static UpdateDefinition<MessageDocument> AtVersion(long version) => Builders<MessageDocument>.Update.Max(m => m.Version, version);

    /// <summary>A member's unread mentions in a chat: messages after their read marker that name them and are not deleted.</summary>
    public static FilterDefinition<MessageDocument> UnreadMentionsOf(string chatId, string userId, long readSeq) =>
        Message.Eq(m => m.ChatId, chatId) & Message.Eq(m => m.Deleted, false) & Message.Gt(m => m.Seq, readSeq)
        & Message.ElemMatch(m => m.Mentions, Builders<MentionDocument>.Filter.Eq(x => x.UserId, userId));

    /// <summary>With <see cref="Member"/> as the filter, sets the matched member's count.</summary>
    public static UpdateDefinition<ChatDocument> UnreadMentions(long count) => Builders<ChatDocument>.Update.Set("members.$.unread_mentions", count);

    /// <summary>The chat whose newest message is <paramref name="seq"/>: its preview shows that message.</summary>
    public static FilterDefinition<ChatDocument> NewestIs(string chatId, long seq) => Chat.Eq(c => c.Id, chatId) & Chat.Eq(c => c.LastSeq, seq);

    public static UpdateDefinition<ChatDocument> NextVersion { get; } = Builders<ChatDocument>.Update.Inc(c => c.Version, 1);

    /// <summary>
    /// Mongo's <c>$text</c> syntax for a query: every phrase quoted (so all must match, as in SQLite), excluded words
    /// with a minus. Mongo's text search has no prefix matching; the README says so.
    /// </summary>
    public static string TextSearch(Chats.SearchQuery query) =>
        string.Join(' ', query.Phrases.Select(p => $"\"{p}\"").Concat(query.Excluded.SelectMany(Chats.SearchQuery.Words).Select(w => "-" + w)));

    public static FilterDefinition<MessageDocument> Matching(Chats.SearchQuery query, IEnumerable<string> chatIds, Chats.SearchCursor? before)
    {
        var filter = Message.Text(TextSearch(query), new TextSearchOptions { DiacriticSensitive = false, CaseSensitive = false })
            & Message.In(m => m.ChatId, chatIds) & Message.Eq(m => m.Deleted, false) & Message.Eq(m => m.Kind, "text");
        if (before is { } cursor)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(cursor.TimestampMs).UtcDateTime;
            filter &= Message.Lt(m => m.Timestamp, at) | (Message.Eq(m => m.Timestamp, at) & Message.Lt(m => m.Id, cursor.Tiebreak));
        }
        return filter;
    }

    public static SortDefinition<MessageDocument> NewestFirst { get; } = Builders<MessageDocument>.Sort.Descending(m => m.Timestamp).Descending(m => m.Id);

    /// <summary>Documents stored before chat versions existed have no <c>version</c> field.</summary>
    public static FilterDefinition<ChatDocument> ChatsWithoutVersion { get; } = Chat.Exists(c => c.Version, exists: false);

    public static FilterDefinition<MessageDocument> MessagesWithoutVersion { get; } = Message.Exists(m => m.Version, exists: false);

    /// <summary>Until versions existed the only changes were new messages: a chat's version is its last seq.</summary>
    public static UpdateDefinition<ChatDocument> VersionFromLastSeq { get; } = Builders<ChatDocument>.Update.Pipeline(new BsonDocument[]
    {
        new("$set", new BsonDocument { ["version"] = "$last_seq", ["details_version"] = 0 }),
    });

    /// <summary>...and a message's version (and the version it was posted at) is its seq.</summary>
    public static UpdateDefinition<MessageDocument> VersionFromSeq { get; } = Builders<MessageDocument>.Update.Pipeline(new BsonDocument[]
    {
        new("$set", new BsonDocument { ["version"] = "$seq", ["created_version"] = "$seq", ["kind"] = "text", ["deleted"] = false }),
    });

    /// <summary>Ids that are not ObjectIds cannot match anything; asking the server with them would throw.</summary>
    public static bool IsObjectId(string id) => ObjectId.TryParse(id, out _);
}
