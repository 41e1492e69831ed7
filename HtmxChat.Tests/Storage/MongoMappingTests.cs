using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace HtmxChat.Tests.Storage;

/// <summary>What the Mongo store writes and asks, checked without a server: the seed's field names, indexes and filters.</summary>
public sealed class MongoMappingTests
{
    private static readonly string UserId = Ids.New();
    private static readonly string OtherId = Ids.New();
    private static readonly string ChatId = Ids.New();

    private static BsonDocument Render<T>(FilterDefinition<T> filter) =>
        filter.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    private static BsonValue Render<T>(UpdateDefinition<T> update) =>
        update.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    private static BsonDocument Render<T>(SortDefinition<T> sort) =>
        sort.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    private static BsonDocument Render<T>(IndexKeysDefinition<T> keys) =>
        keys.Render(new RenderArgs<T>(BsonSerializer.LookupSerializer<T>(), BsonSerializer.SerializerRegistry));

    [Fact]
    public void UserDocumentUsesTheSeedsFieldNames()
    {
        var user = new ChatUser { Id = UserId, UserName = "asha", Email = "asha@example.com", PasswordHash = "h", Gender = "female" };

        var document = UserDocument.From(user).ToBsonDocument();

        Assert.Equal(new ObjectId(UserId), document["_id"]);
        Assert.Equal("asha", document["username"]);
        Assert.Equal("h", document["password_hash"]);
        Assert.Equal("asha@example.com", document["email"]);
        Assert.Equal(BsonType.DateTime, document["created_at"].BsonType);
        Assert.Subset(
            new HashSet<string> { "_id", "username", "normalized_username", "email", "normalized_email", "password_hash", "security_stamp",
                "concurrency_stamp", "lockout_enabled", "lockout_end", "access_failed_count", "gender", "time_zone", "roles", "created_at" },
            document.Names.ToHashSet());
    }

    [Fact]
    public void ChatDocumentUsesTheSeedsFieldNames()
    {
        var chat = new Chat
        {
            Id = ChatId,
            CreatorId = UserId,
            Participants = [new() { UserId = UserId, UserName = "a", ReadSeq = 2 }, new() { UserId = OtherId, UserName = "b" }],
            LastMessage = new MessageSummary(UserId, "a", "hello", DateTimeOffset.UnixEpoch),
            LastSeq = 2,
        };

        var document = ChatDocument.From(chat).ToBsonDocument();

        Assert.Equal(new ObjectId(UserId), document["user_id"]);
        Assert.Equal(new BsonArray { new ObjectId(UserId), new ObjectId(OtherId) }, document["participants"]);
        Assert.Equal("hello", document["last_message"]["content"]);
        Assert.Equal(new ObjectId(UserId), document["last_message"]["sender_id"]);
        Assert.Equal(BsonType.DateTime, document["created_at"].BsonType);
        Assert.Equal(BsonType.DateTime, document["last_activity_at"].BsonType);
        Assert.Equal(2L, document["last_seq"]);
        Assert.Equal(2L, document["members"][0]["read_seq"]);
        Assert.False(document.Contains("title"));
    }

    [Fact]
    public void MessageDocumentUsesTheSeedsFieldNames()
    {
        var message = new Message(Ids.New(), ChatId, 7, UserId, "a", "hi", DateTimeOffset.UnixEpoch) { Version = 9, CreatedVersion = 8 };

        var document = MessageDocument.From(message).ToBsonDocument();

        Assert.Equal(["_id", "chat_id", "seq", "sender_id", "sender_name", "content", "timestamp", "version", "created_version", "kind", "edited_at", "deleted", "mentions", "reactions", "attachments"], document.Names);
        Assert.Equal(new ObjectId(ChatId), document["chat_id"]);
        Assert.Equal(new ObjectId(UserId), document["sender_id"]);
        Assert.Equal(7L, document["seq"]);
        Assert.Equal((9L, 8L, "text", false), (document["version"].AsInt64, document["created_version"].AsInt64, document["kind"].AsString, document["deleted"].AsBoolean));
    }

    [Fact]
    public void ChatVersionsAreStoredBesideTheSeq()
    {
        var chat = new Chat { Id = ChatId, CreatorId = UserId, LastSeq = 4, Version = 6, DetailsVersion = 5 };

        var document = ChatDocument.From(chat).ToBsonDocument();
        var back = BsonSerializer.Deserialize<ChatDocument>(document).ToDomain();

        Assert.Equal((4L, 6L, 5L), (document["last_seq"].AsInt64, document["version"].AsInt64, document["details_version"].AsInt64));
        Assert.Equal((6L, 5L), (back.Version, back.DetailsVersion));
    }

    [Fact]
    public void ADocumentStoredBeforeVersionsReadsAsVersionZero()
    {
        var old = BsonDocument.Parse($"{{ _id: ObjectId('{Ids.New()}'), chat_id: ObjectId('{ChatId}'), seq: NumberLong(3), sender_id: ObjectId('{UserId}'), " +
            "sender_name: 'a', content: 'hi', timestamp: ISODate('2026-01-01T00:00:00Z') }");

        var message = BsonSerializer.Deserialize<MessageDocument>(old).ToDomain();

        Assert.Equal((3L, 0L, MessageKind.Text, false), (message.Seq, message.Version, message.Kind, message.Deleted));
    }

    [Fact]
    public void TheMigrationGivesOldDocumentsTheirSeqAsVersion()
    {
        var chats = Render(MongoFilters.VersionFromLastSeq);
        var messages = Render(MongoFilters.VersionFromSeq);

        Assert.Equal(BsonDocument.Parse("{ version: { $exists: false } }"), Render(MongoFilters.ChatsWithoutVersion));
        Assert.Equal(BsonDocument.Parse("{ version: { $exists: false } }"), Render(MongoFilters.MessagesWithoutVersion));
        Assert.Equal(new BsonArray { BsonDocument.Parse("{ $set: { version: '$last_seq', details_version: 0 } }") }, chats);
        Assert.Equal(new BsonArray { BsonDocument.Parse("{ $set: { version: '$seq', created_version: '$seq', kind: 'text', deleted: false } }") }, messages);
    }

    [Fact]
    public void TheChangeFeedAsksForAChatsMessagesChangedAfterAVersionOldestFirst()
    {
        Assert.Equal(
            BsonDocument.Parse($"{{ chat_id: ObjectId('{ChatId}'), version: {{ $gt: NumberLong(5) }} }}"),
            Render(MongoFilters.ChangedAfter(ChatId, 5)));
        Assert.Equal(new BsonDocument("version", 1), Render(MongoFilters.OldestChangeFirst));
    }

    [Fact]
    public void DocumentsRoundTripToTheSameDomainValues()
    {
        var chat = new Chat { Id = ChatId, CreatorId = UserId, Title = "t", Participants = [new() { UserId = UserId, UserName = "a", ReadSeq = 1 }] };
        var bytes = ChatDocument.From(chat).ToBson();

        var back = BsonSerializer.Deserialize<ChatDocument>(bytes).ToDomain();

        Assert.Equal((chat.Id, chat.CreatorId, chat.Title, 1L), (back.Id, back.CreatorId, back.Title, back.Participants[0].ReadSeq));
        Assert.Equal(chat.CreatedAt.ToUnixTimeMilliseconds(), back.CreatedAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void IndexesEnforceUniqueNamesEmailsAndSeqsAndServeTheChatList()
    {
        var users = MongoIndexes.Users.ToDictionary(i => i.Options.Name, i => (Keys: Render(i.Keys), i.Options.Unique));
        var chats = MongoIndexes.Chats.ToDictionary(i => i.Options.Name, i => (Keys: Render(i.Keys), i.Options.Unique));
        var messages = MongoIndexes.Messages.ToDictionary(i => i.Options.Name, i => (Keys: Render(i.Keys), i.Options.Unique));

        Assert.Equal((new BsonDocument("normalized_username", 1), true), users["normalized_username_unique"]);
        Assert.Equal((new BsonDocument("normalized_email", 1), true), users["normalized_email_unique"]);
        Assert.Equal((new BsonDocument { { "chat_id", 1 }, { "seq", 1 } }, true), messages["chat_id_seq_unique"]);
        Assert.Equal((new BsonDocument { { "chat_id", 1 }, { "version", 1 } }, true), messages["chat_id_version_unique"]);
        Assert.Equal(new BsonDocument { { "participants", 1 }, { "last_activity_at", -1 } }, chats["participants_recent_activity"].Keys);
        Assert.Equal((new BsonDocument("direct_key", 1), true), chats["direct_key_unique"]);
    }

    [Fact]
    public void AnAttachmentIsStoredUnderSnakeCaseNamesWithObjectIdsAndGridFsIdsFromItsOwn()
    {
        var attachment = new Attachment(Ids.New(), ChatId, UserId, "photo.png", FileTypes.Png, 1234, DateTimeOffset.UnixEpoch)
        {
            ContentHash = new string('a', 64),
            Width = 10,
            Height = 20,
            ThumbnailHash = new string('b', 64),
            ThumbnailType = FileTypes.WebP,
        };

        var document = AttachmentDocument.From(attachment).ToBsonDocument();

        Assert.Equal(["_id", "chat_id", "uploader_id", "message_id", "file_name", "content_type", "size", "width", "height", "content_hash",
            "thumbnail_hash", "thumbnail_type", "created_at"], document.Names);
        Assert.Equal(new ObjectId(ChatId), document["chat_id"]);
        Assert.Equal(BsonNull.Value, document["message_id"]);
        Assert.Equal(attachment, BsonSerializer.Deserialize<AttachmentDocument>(document).ToDomain());
        Assert.Equal(attachment.Id, MongoAttachmentStore.FileId(attachment.Id, AttachmentPart.Content));
        Assert.Equal(attachment.Id + ".thumbnail", MongoAttachmentStore.FileId(attachment.Id, AttachmentPart.Thumbnail));
    }

    [Fact]
    public void UploadsAreTakenOnlyUnsentByTheirUploaderInTheirChatAndSweptByAge()
    {
        var upload = Ids.New();

        Assert.Equal(
            BsonDocument.Parse($"{{ _id: {{ $in: [ObjectId('{upload}')] }}, chat_id: ObjectId('{ChatId}'), uploader_id: ObjectId('{UserId}'), message_id: null }}"),
            Render(MongoFilters.UnsentUploads([upload], ChatId, UserId)));
        Assert.Equal(BsonDocument.Parse("{ message_id: null, created_at: { $lt: ISODate('1970-01-01T00:00:01Z') } }"),
            Render(MongoFilters.UnsentBefore(DateTimeOffset.FromUnixTimeMilliseconds(1_000))));
        var index = MongoIndexes.Attachments.Single();
        Assert.Equal(new BsonDocument { { "message_id", 1 }, { "created_at", 1 } }, Render(index.Keys));
    }

    [Fact]
    public void FiltersAskForWhatTheStoreMeans()
    {
        Assert.Equal(new BsonDocument("participants", new ObjectId(UserId)), Render(MongoFilters.ChatsOf(UserId)));
        Assert.Equal(
            BsonDocument.Parse($"{{ chat_id: ObjectId('{ChatId}'), seq: {{ $gt: NumberLong(3), $lt: NumberLong(9) }} }}"),
            Render(MongoFilters.MessagesBetween(ChatId, before: 9, after: 3)));
        Assert.Equal(
            BsonDocument.Parse("{ normalized_username: { $gte: 'ZED', $lt: 'ZED\uffff' } }"),
            Render(MongoFilters.UserNamePrefix("ZED")));
        Assert.Equal(
            BsonDocument.Parse($"{{ _id: ObjectId('{ChatId}'), members: {{ $elemMatch: {{ user_id: ObjectId('{UserId}') }} }} }}"),
            Render(MongoFilters.Member(ChatId, UserId)));
    }

    [Fact]
    public void AReactionIsToggledOnlyWhenThePersonsOwnIsAbsentOrPresent()
    {
        var messageId = Ids.New();
        var lacking = Render(MongoFilters.WithReaction(ChatId, messageId, "👍", UserId, has: false));
        var having = Render(MongoFilters.WithReaction(ChatId, messageId, "👍", UserId, has: true));
        var push = Render(MongoFilters.AddReaction("👍", new Reactor(UserId, "asha")));
        var pull = Render(MongoFilters.RemoveReaction("👍", UserId));

        var mine = $"{{ reaction: '👍', user_id: ObjectId('{UserId}') }}";
        var live = $"_id: ObjectId('{messageId}'), chat_id: ObjectId('{ChatId}'), deleted: false";
        Assert.Equal(BsonDocument.Parse($"{{ {live}, reactions: {{ $not: {{ $elemMatch: {mine} }} }} }}"), lacking);
        Assert.Equal(BsonDocument.Parse($"{{ {live}, reactions: {{ $elemMatch: {mine} }} }}"), having);
        Assert.Equal(BsonDocument.Parse($"{{ $push: {{ reactions: {{ reaction: '👍', user_id: ObjectId('{UserId}'), username: 'asha' }} }} }}"), push);
        Assert.Equal(BsonDocument.Parse($"{{ $pull: {{ reactions: {mine} }} }}"), pull);
    }

    [Fact]
    public void EditsAndTombstonesNeverMoveAMessagesVersionBack()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_000);

        Assert.Equal(BsonDocument.Parse("{ $set: { content: 'new', edited_at: ISODate('1970-01-01T00:00:01Z'), mentions: [] }, $max: { version: NumberLong(7) } }"),
            Render(MongoFilters.Edit("new", at, 7)));
        Assert.Equal(BsonDocument.Parse("{ $set: { content: '', deleted: true, reactions: [], mentions: [], attachments: [] }, $max: { version: NumberLong(8) } }"),
            Render(MongoFilters.Tombstone(8)));
        Assert.Equal(BsonDocument.Parse($"{{ _id: ObjectId('{ChatId}'), last_seq: NumberLong(4) }}"), Render(MongoFilters.NewestIs(ChatId, 4)));
    }

    [Fact]
    public void ReactionsRoundTripGroupedInTheOrderFirstAdded()
    {
        var message = new Message(Ids.New(), ChatId, 1, UserId, "a", "hi", DateTimeOffset.UnixEpoch)
        {
            Reactions = [new("🎉", [new(OtherId, "b")]), new("👍", [new(UserId, "a"), new(OtherId, "b")])],
        };

        var back = BsonSerializer.Deserialize<MessageDocument>(MessageDocument.From(message).ToBson()).ToDomain();

        Assert.Equal(["🎉:b", "👍:a,b"], back.Reactions.Select(r => $"{r.Reaction}:{string.Join(',', r.Users.Select(u => u.UserName))}"));
    }

    [Fact]
    public void UnreadMentionsAreCountedFromLiveMessagesAfterTheReadMarker()
    {
        Assert.Equal(
            BsonDocument.Parse($"{{ chat_id: ObjectId('{ChatId}'), deleted: false, seq: {{ $gt: NumberLong(4) }}, mentions: {{ $elemMatch: {{ user_id: ObjectId('{UserId}') }} }} }}"),
            Render(MongoFilters.UnreadMentionsOf(ChatId, UserId, 4)));
        Assert.Equal(BsonDocument.Parse("{ $set: { 'members.$.unread_mentions': NumberLong(2) } }"), Render(MongoFilters.UnreadMentions(2)));
        var chat = new Chat { Id = ChatId, CreatorId = UserId, Participants = [new() { UserId = UserId, UserName = "a", ReadSeq = 1, UnreadMentions = 3 }] };
        Assert.Equal(3, BsonSerializer.Deserialize<ChatDocument>(ChatDocument.From(chat).ToBson()).ToDomain().MentionCountFor(UserId));
    }

    [Fact]
    public void NonObjectIdsAreRecognisedBeforeTheyReachTheServer()
    {
        Assert.True(MongoFilters.IsObjectId(UserId));
        Assert.False(MongoFilters.IsObjectId("not-an-id"));
        Assert.False(MongoFilters.IsObjectId(""));
    }

    private static readonly MessageSummaryDocument Line = MessageSummaryDocument.From(new MessageSummary(UserId, "ada", "a line", DateTimeOffset.UnixEpoch));

    [Fact]
    public void ARenameSetsOrUnsetsTheTitleWithTheNextSeqAndVersion()
    {
        var (filter, rename) = MongoFilters.DetailsChange(ChatId, new ChatDetailsChange.Rename("Trip"), Line, DateTime.UnixEpoch);
        var (_, clear) = MongoFilters.DetailsChange(ChatId, new ChatDetailsChange.Rename(null), Line, DateTime.UnixEpoch);

        Assert.Equal(BsonDocument.Parse($"{{ _id: ObjectId('{ChatId}') }}"), Render(filter));
        var set = Render(rename).AsBsonDocument;
        Assert.Equal(BsonDocument.Parse("{ last_seq: 1, version: 1 }"), set["$inc"]);
        Assert.Equal("Trip", set["$set"]["title"].AsString);
        Assert.Equal("a line", set["$set"]["last_message"]["content"].AsString);
        Assert.Equal(BsonDocument.Parse("{ title: 1 }"), Render(clear).AsBsonDocument["$unset"]);
    }

    [Fact]
    public void AddingPeopleAppliesOnlyWhileNoneOfThemIsInTheChat()
    {
        var (filter, update) = MongoFilters.DetailsChange(ChatId,
            new ChatDetailsChange.AddPeople([new ChatParticipant { UserId = OtherId, UserName = "bob" }]), Line, DateTime.UnixEpoch);

        Assert.Equal(BsonDocument.Parse($"{{ _id: ObjectId('{ChatId}'), participants: {{ $nin: [ObjectId('{OtherId}')] }} }}"), Render(filter));
        var push = Render(update).AsBsonDocument["$push"].AsBsonDocument;
        Assert.Equal(BsonDocument.Parse($"{{ $each: [ObjectId('{OtherId}')] }}"), push["participants"]);
        Assert.Equal(BsonDocument.Parse($"{{ $each: [{{ user_id: ObjectId('{OtherId}'), username: 'bob', read_seq: NumberLong(0), unread_mentions: NumberLong(0) }}] }}"), push["members"]);
    }

    [Fact]
    public void RemovingSomeoneAppliesOnlyWhileTheyAreInTheChatAndTakesThemOutOfBothLists()
    {
        var (filter, update) = MongoFilters.DetailsChange(ChatId, new ChatDetailsChange.RemovePerson(OtherId), Line, DateTime.UnixEpoch);

        Assert.Equal(BsonDocument.Parse($"{{ _id: ObjectId('{ChatId}'), participants: ObjectId('{OtherId}') }}"), Render(filter));
        var pull = Render(update).AsBsonDocument["$pull"].AsBsonDocument;
        Assert.Equal(new BsonObjectId(ObjectId.Parse(OtherId)), pull["participants"]);
        Assert.Equal(BsonDocument.Parse($"{{ user_id: ObjectId('{OtherId}') }}"), pull["members"]);
        Assert.Equal(BsonDocument.Parse("{ $max: { details_version: NumberLong(7) } }"), Render(MongoFilters.DetailsVersionAtLeast(7)));
    }

    [Fact]
    public void SearchFindsOnlyWhatPeopleWroteNotSystemLines()
    {
        var filter = Render(MongoFilters.Matching(Web.Chats.SearchQuery.Parse("added"), [ChatId], null));

        Assert.Equal("text", filter["kind"].AsString);
    }
}
