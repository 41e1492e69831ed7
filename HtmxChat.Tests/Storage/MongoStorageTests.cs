using HtmxChat.Web.Storage.Mongo;

namespace HtmxChat.Tests.Storage;

/// <summary>Runs the storage suite on a real MongoDB when <c>HTMXCHAT_TEST_MONGO</c> holds a connection string.</summary>
public sealed class MongoStorageTests : StorageSuite
{
    private static readonly string? ConnectionString = Environment.GetEnvironmentVariable("HTMXCHAT_TEST_MONGO");
    private MongoDatabase? _mongo;

    protected override string SkipReason => "No MongoDB: set HTMXCHAT_TEST_MONGO to a connection string to run the storage suite on MongoDB.";

    protected override async Task<Stores?> OpenAsync()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            return null;
        }
        _mongo = MongoDatabase.Connect(ConnectionString, $"htmxchat_test_{Guid.NewGuid():N}");
        var database = new MongoDatabase(_mongo.Database.Client.GetDatabase($"htmxchat_test_{Guid.NewGuid():N}"));
        _mongo = database;
        await database.EnsureIndexesAsync();
        var keys = new MongoKeyStore(database);
        return new Stores(new MongoUserRepository(database), new MongoChatRepository(database), keys, keys, new MongoAttachmentStore(database));
    }

    protected override async Task CloseAsync()
    {
        if (_mongo is not null)
        {
            await _mongo.Database.Client.DropDatabaseAsync(_mongo.Database.DatabaseNamespace.DatabaseName);
        }
    }
}
