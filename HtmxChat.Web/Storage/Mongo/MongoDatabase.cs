using MongoDB.Driver;

namespace HtmxChat.Web.Storage.Mongo;

/// <summary>The collections, created once and shared: the driver's client and collections are thread-safe.</summary>
public sealed class MongoDatabase
{
    public MongoDatabase(IMongoDatabase database)
    {
        Database = database;
        Users = database.GetCollection<UserDocument>("users");
        Chats = database.GetCollection<ChatDocument>("chats");
        Messages = database.GetCollection<MessageDocument>("messages");
        DataProtectionKeys = database.GetCollection<KeyDocument>("data_protection_keys");
        Secrets = database.GetCollection<KeyDocument>("secrets");
        Attachments = database.GetCollection<AttachmentDocument>("attachments");
        Files = new MongoDB.Driver.GridFS.GridFSBucket<string>(database, new MongoDB.Driver.GridFS.GridFSBucketOptions { BucketName = "attachments" });
    }

    public IMongoDatabase Database { get; }
    public IMongoCollection<UserDocument> Users { get; }
    public IMongoCollection<ChatDocument> Chats { get; }
    public IMongoCollection<MessageDocument> Messages { get; }
    public IMongoCollection<KeyDocument> DataProtectionKeys { get; }
    public IMongoCollection<KeyDocument> Secrets { get; }
    public IMongoCollection<AttachmentDocument> Attachments { get; }

    /// <summary>Uploaded bytes: GridFS files whose ids are <see cref="MongoAttachmentStore.FileId"/>.</summary>
    public MongoDB.Driver.GridFS.IGridFSBucket<string> Files { get; }

    public static MongoDatabase Connect(string uri, string defaultDatabase)
    {
        var url = MongoUrl.Create(uri);
        var client = new MongoClient(url);
        return new MongoDatabase(client.GetDatabase(url.DatabaseName ?? defaultDatabase));
    }

    /// <summary>Brings documents stored by earlier versions forward, then makes sure every index exists.</summary>
    public async Task PrepareAsync(CancellationToken ct = default)
    {
        await Chats.UpdateManyAsync(MongoFilters.ChatsWithoutVersion, MongoFilters.VersionFromLastSeq, cancellationToken: ct);
        await Messages.UpdateManyAsync(MongoFilters.MessagesWithoutVersion, MongoFilters.VersionFromSeq, cancellationToken: ct);
        await EnsureIndexesAsync(ct);
    }

    public async Task EnsureIndexesAsync(CancellationToken ct = default)
    {
        await Users.Indexes.CreateManyAsync(MongoIndexes.Users, ct);
        await Chats.Indexes.CreateManyAsync(MongoIndexes.Chats, ct);
        await Messages.Indexes.CreateManyAsync(MongoIndexes.Messages, ct);
        await Attachments.Indexes.CreateManyAsync(MongoIndexes.Attachments, ct);
    }
}

public static class MongoIndexes
{
    private static readonly IndexKeysDefinitionBuilder<UserDocument> UserKeys = Builders<UserDocument>.IndexKeys;
    private static readonly IndexKeysDefinitionBuilder<ChatDocument> ChatKeys = Builders<ChatDocument>.IndexKeys;
    private static readonly IndexKeysDefinitionBuilder<MessageDocument> MessageKeys = Builders<MessageDocument>.IndexKeys;
    private static readonly IndexKeysDefinitionBuilder<AttachmentDocument> AttachmentKeys = Builders<AttachmentDocument>.IndexKeys;

    public static IReadOnlyList<CreateIndexModel<UserDocument>> Users { get; } =
    [
        new(UserKeys.Ascending(u => u.NormalizedUserName), new CreateIndexOptions { Name = "normalized_username_unique", Unique = true }),
        new(UserKeys.Ascending(u => u.NormalizedEmail), new CreateIndexOptions { Name = "normalized_email_unique", Unique = true }),
        new(UserKeys.Ascending(u => u.Roles), new CreateIndexOptions { Name = "roles" }),
    ];

    public static IReadOnlyList<CreateIndexModel<ChatDocument>> Chats { get; } =
    [
        new(ChatKeys.Ascending(c => c.Participants).Descending(c => c.LastActivityAt), new CreateIndexOptions { Name = "participants_recent_activity" }),
        new(ChatKeys.Ascending(c => c.DirectKey), new CreateIndexOptions<ChatDocument>
        {
            Name = "direct_key_unique",
            Unique = true,
            PartialFilterExpression = Builders<ChatDocument>.Filter.Type(c => c.DirectKey, MongoDB.Bson.BsonType.String),
        }),
    ];

    public static IReadOnlyList<CreateIndexModel<MessageDocument>> Messages { get; } =
    [
        new(MessageKeys.Ascending(m => m.ChatId).Ascending(m => m.Seq), new CreateIndexOptions { Name = "chat_id_seq_unique", Unique = true }),
        // Search: no stemming (as SQLite's unicode61), matched without regard to case or diacritics.
        new(MessageKeys.Text(m => m.Content), new CreateIndexOptions { Name = "content_text", DefaultLanguage = "none" }),
        // The change feed: a chat's messages by the version of their latest change.
        new(MessageKeys.Ascending(m => m.ChatId).Ascending(m => m.Version), new CreateIndexOptions { Name = "chat_id_version_unique", Unique = true }),
    ];

    public static IReadOnlyList<CreateIndexModel<AttachmentDocument>> Attachments { get; } =
    [
        // The sweep finds unsent uploads (message_id null) by age; a deletion finds a message's uploads.
        new(AttachmentKeys.Ascending(a => a.MessageId).Ascending(a => a.CreatedAt), new CreateIndexOptions { Name = "message_id_created_at" }),
    ];
}
