using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Storage;

/// <summary>SqliteDatabase keeps connections open with their compiled statements; reuse must never leak state.</summary>
public sealed class ConnectionPoolTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SqliteDatabase _database;

    public ConnectionPoolTests()
    {
        _database = new SqliteDatabase($"Data Source={_folder.File("pool.db")}");
        using var connection = _database.Open();
        using var create = connection.Command("CREATE TABLE pool_probe (value INTEGER)");
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public void AConnectionGivenBackIsTheOneTheNextCallerGets()
    {
        var first = _database.Open();
        first.Dispose();
        using var second = _database.Open();
        Assert.Same(first, second);
        Assert.Equal(System.Data.ConnectionState.Open, second.State);
    }

    [Fact]
    public void AStatementIsCompiledOnceAndRunsWithEachCallersValues()
    {
        using var connection = _database.Open();
        var first = connection.Command("SELECT $value");
        Assert.Equal(1L, first.With("$value", 1).ExecuteScalar());
        first.Dispose();

        using var second = connection.Command("SELECT $value").With("$value", 2);
        Assert.Same(first, second);
        Assert.Equal(2L, second.ExecuteScalar());
    }

    [Fact]
    public void AStatementStillInUseIsNotHandedOutTwice()
    {
        using var connection = _database.Open();
        using var outer = connection.Command("SELECT value FROM json_each('[1,2]')");
        using var reader = outer.ExecuteReader();
        Assert.True(reader.Read());

        using var inner = connection.Command("SELECT value FROM json_each('[1,2]')");
        Assert.NotSame(outer, inner);
        Assert.Equal(1L, inner.ExecuteScalar());
        Assert.True(reader.Read());
        Assert.Equal(2L, reader.GetInt64(0));
    }

    [Fact]
    public void ATransactionLeftOpenIsRolledBackBeforeTheConnectionIsUsedAgain()
    {
        var abandoned = _database.Open();
        var transaction = abandoned.BeginTransaction();
        using (var insert = abandoned.Command("INSERT INTO pool_probe (value) VALUES (1)", transaction))
        {
            insert.ExecuteNonQuery();
        }
        abandoned.Dispose();

        using var next = _database.Open();
        using var count = next.Command("SELECT count(*) FROM pool_probe");
        Assert.Equal(0L, count.ExecuteScalar());
        using var write = next.Command("INSERT INTO pool_probe (value) VALUES (2)");
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    [Fact]
    public void ATransactionBegunInSqlAndLeftOpenIsRolledBackToo()
    {
        var abandoned = _database.Open();
        using (var begin = abandoned.Command("BEGIN IMMEDIATE"))
        {
            begin.ExecuteNonQuery();
        }
        using (var insert = abandoned.Command("INSERT INTO pool_probe (value) VALUES (1)"))
        {
            insert.ExecuteNonQuery();
        }
        abandoned.Dispose();

        using var next = _database.Open();
        Assert.True(next.IsInAutocommit());
        using var count = next.Command("SELECT count(*) FROM pool_probe");
        Assert.Equal(0L, count.ExecuteScalar());
    }

    [Fact]
    public void ForeignKeysAreEnforcedOnEveryPooledConnection()
    {
        using var connection = _database.Open();
        using var check = connection.Command("PRAGMA foreign_keys");
        Assert.Equal(1L, check.ExecuteScalar());
    }
}
