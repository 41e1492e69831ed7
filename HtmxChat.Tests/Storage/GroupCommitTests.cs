using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Storage;

/// <summary>SqliteDatabase.WriteAsync: writes that share transactions and commits, each as if it were alone.</summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SqliteDatabase _database;

    public GroupCommitTests()
    {
        _database = new SqliteDatabase($"Data Source={_folder.File("writes.db")}");
        using var connection = _database.Open();
        using var create = connection.Command("CREATE TABLE probe (value INTEGER NOT NULL UNIQUE)");
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private Task<long> InsertAsync(int value, bool thenFail = false) =>
        _database.WriteAsync(async connection =>
        {
            await using var insert = connection.Command("INSERT INTO probe (value) VALUES ($value)").With("$value", value);
            await insert.ExecuteNonQueryAsync();
            if (thenFail)
            {
                throw new InvalidOperationException($"write {value} fails after its insert");
            }
            return (long)value;
        }, CancellationToken.None);

    private long[] Stored()
    {
        using var connection = _database.Open();
        using var select = connection.Command("SELECT value FROM probe ORDER BY value");
        using var reader = select.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }
        return [.. values];
    }

    [Fact]
    public async Task EveryWriteOfManyAtOnceIsStoredAndAnsweredWithItsOwnResult()
    {
        var results = await Task.WhenAll(Enumerable.Range(1, 500).Select(i => Task.Run(() => InsertAsync(i))));

        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), results);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), Stored());
    }

    [Fact]
    public async Task AWriteIsVisibleToOtherConnectionsByTheTimeItsCallerHearsBack()
    {
        await InsertAsync(7);

        Assert.Equal([7L], Stored());
    }

    [Fact]
    public async Task AWriteThatFailsUndoesOnlyItsOwnChangesAndItsCallerGetsTheError()
    {
        var writes = Enumerable.Range(1, 200).Select(i => Task.Run(() => InsertAsync(i, thenFail: i % 10 == 0))).ToArray();

        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                return (Value: await w, Error: (Exception?)null);
            }
            catch (InvalidOperationException e)
            {
                return (Value: 0L, Error: e);
            }
        }));

        Assert.Equal(20, outcomes.Count(o => o.Error is not null));
        Assert.Equal(Enumerable.Range(1, 200).Where(i => i % 10 != 0).Select(i => (long)i), Stored());
    }

    [Fact]
    public async Task AWriteThatBreaksAConstraintFailsAloneAndTheStoreKeepsWorking()
    {
        await InsertAsync(1);

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => InsertAsync(1));
        await InsertAsync(2);

        Assert.Equal([1L, 2L], Stored());
    }
}
