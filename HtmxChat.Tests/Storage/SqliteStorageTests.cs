using System.Diagnostics;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Domain;
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
    public async Task TheSearchIndexStaysWholeThroughConcurrentSendsEditsDeletionsAndRenames()
    {
        var database = new SqliteDatabase($"Data Source={_folder.File("search.db")}");
        var users = new SqliteUserRepository(database);
        var chats = new SqliteChatRepository(database);
        var ada = new ChatUser { UserName = "ada", NormalizedUserName = "ADA", Email = "ada@example.com", NormalizedEmail = "ADA@EXAMPLE.COM" };
        await users.CreateAsync(ada, TestContext.Current.CancellationToken);
        var (chat, _) = await chats.CreateAsync(new Chat { CreatorId = ada.Id, Title = "t", Participants = [new() { UserId = ada.Id, UserName = ada.UserName }] });
        var now = DateTimeOffset.UtcNow;

        // Sends share transactions (group commit); renames append a line in a transaction of their own.
        var sent = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            if (i % 50 == 0)
            {
                await chats.ChangeDetailsAsync(chat.Id, new ChatDetailsChange.Rename($"title {i}"), ada.Id, ada.UserName, $"renamed{i} line", now);
            }
            return (await chats.AppendMessageAsync(chat.Id, ada.Id, ada.UserName, $"zebra number{i}", now))!.Value.Message;
        })));
        foreach (var message in sent.Where(m => m.Seq % 3 == 0))
        {
            await chats.EditMessageAsync(chat.Id, message.Id, "okapi instead", now);
        }
        foreach (var message in sent.Where(m => m.Seq % 5 == 0))
        {
            await chats.DeleteMessageAsync(chat.Id, message.Id);
        }

        // As a search does first.
        await database.IndexQueuedAsync(TestContext.Current.CancellationToken);

        using var connection = database.Open();
        long Count(string sql)
        {
            using var command = connection.Command(sql);
            return (long)command.ExecuteScalar()!;
        }
        Assert.Equal(0, Count("SELECT count(*) FROM messages_fts_queue"));
        // Raises an error if the index and the messages disagree anywhere.
        using (var check = connection.Command("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"))
        {
            check.ExecuteNonQuery();
        }
        Assert.Equal(Count("SELECT count(*) FROM messages WHERE content LIKE 'zebra%'"), Count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'zebra'"));
        Assert.Equal(Count("SELECT count(*) FROM messages WHERE content = 'okapi instead'"), Count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'okapi'"));
        Assert.Equal(4, Count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'line'"));
        Assert.True(Count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'okapi'") > 0);
    }

    [Fact]
    public async Task SentMessagesAreIndexedForSearchAMomentLaterWithoutASearch()
    {
        var database = new SqliteDatabase($"Data Source={_folder.File("index-later.db")}");
        var users = new SqliteUserRepository(database);
        var chats = new SqliteChatRepository(database);
        var ada = new ChatUser { UserName = "ada", NormalizedUserName = "ADA", Email = "ada@example.com", NormalizedEmail = "ADA@EXAMPLE.COM" };
        await users.CreateAsync(ada, TestContext.Current.CancellationToken);
        var (chat, _) = await chats.CreateAsync(new Chat { CreatorId = ada.Id, Title = "t", Participants = [new() { UserId = ada.Id, UserName = ada.UserName }] });
        for (var i = 0; i < 20; i++)
        {
            await chats.AppendMessageAsync(chat.Id, ada.Id, ada.UserName, $"walrus {i}", DateTimeOffset.UtcNow);
        }

        using var connection = database.Open();
        long Count(string sql)
        {
            using var command = connection.Command(sql);
            return (long)command.ExecuteScalar()!;
        }
        var waited = Stopwatch.StartNew();
        while (Count("SELECT count(*) FROM messages_fts_queue") > 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, Count("SELECT count(*) FROM messages_fts_queue"));
        Assert.Equal(20, Count("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'walrus'"));
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
