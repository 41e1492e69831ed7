using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Storage;

public sealed class SqliteStorageTests : StorageSuite
{
    private readonly TempFolder _folder = new();

    protected override Task<Stores?> OpenAsync()
    {
        var database = new SqliteDatabase($"Data Source={_folder.File("store.db")}");
        var keys = new SqliteKeyStore(database);
        return Task.FromResult<Stores?>(new Stores(new SqliteUserRepository(database), new SqliteChatRepository(database), keys, keys));
    }

    protected override Task CloseAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void DatabaseFileUsesWalAndTheNewestSchema()
    {
        var database = new SqliteDatabase($"Data Source={_folder.File("schema.db")}");
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; ";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SqliteSchema.Migrations.Length, command.ExecuteScalar());
    }

    [Fact]
    public void OpeningAnExistingDatabaseAgainKeepsItsData()
    {
        var path = $"Data Source={_folder.File("reopen.db")}";
        new SqliteKeyStore(new SqliteDatabase(path)).GetOrAddSecret("kept", "yes");

        var reopened = new SqliteKeyStore(new SqliteDatabase(path));

        Assert.Equal("yes", reopened.GetOrAddSecret("kept", "no"));
    }
}
