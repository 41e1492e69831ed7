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
        return Task.FromResult<Stores?>(new Stores(new SqliteUserRepository(database), new SqliteChatRepository(database), keys, keys,
            new SqliteAttachmentStore(database, new ContentFolder(_folder.File("files")))));
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

    [Fact]
    public async Task FilesAreNamedByTheirHashAndOnlyLeftoversOfInterruptedWritesAreSwept()
    {
        var files = new ContentFolder(_folder.File("content"));
        var bytes = "same bytes"u8.ToArray();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await files.WriteAsync(hash, new MemoryStream(bytes), TestContext.Current.CancellationToken);
        await files.WriteAsync(hash, new MemoryStream(bytes), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<IOException>(() => files.WriteAsync(new string('a', 64), new BreaksAfter(new byte[100_000], 50_000), TestContext.Current.CancellationToken));
        // What a process killed mid-write leaves: a file under .incoming, never under a real name.
        var leftover = Path.Combine(files.Root, ".incoming", "killed-mid-write");
        await File.WriteAllBytesAsync(leftover, new byte[10], TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddHours(-2));

        Assert.Equal([hash], files.List().Select(f => f.Hash));
        Assert.Equal(Path.Combine(files.Root, hash[..2], hash), Directory.GetFiles(files.Root, "*", SearchOption.AllDirectories).Single(f => !f.Contains(".incoming")));
        Assert.Equal(1, files.RemoveLeftovers(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Empty(Directory.GetFiles(Path.Combine(files.Root, ".incoming")));
    }
}
