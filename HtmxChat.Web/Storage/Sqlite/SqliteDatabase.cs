using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>
/// Opens connections to the embedded database file and brings its schema up to date. Connections come from a pool
/// that keeps them open with their prepared statements; disposing one gives it back.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly ConnectionPool _pool;
    private readonly GroupCommit _writes;
    private readonly Timer _indexLater;
    private long _indexedAt;
    private int _indexLaterSet;

    public SqliteDatabase(IOptions<StorageOptions> options, IHostEnvironment environment)
        : this(ResolveConnectionString(options.Value.SqliteConnectionString, environment.ContentRootPath), options.Value.SqliteSynchronous)
    {
    }

    public SqliteDatabase(string connectionString, SqliteSynchronous synchronous = SqliteSynchronous.Full)
    {
        _connectionString = connectionString;
        var pragmas = $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()};";
        _pool = new ConnectionPool(connectionString, connection => Initialize(connection, pragmas));
        _writes = new GroupCommit(Open, beforeCommit: IndexQueuedMessagesIfDue);
        _indexLater = new Timer(_ =>
        {
            Volatile.Write(ref _indexLaterSet, 0);
            _ = IndexLaterAsync();
        });
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (Path.GetDirectoryName(dataSource) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
        Migrate();
    }

    public string DataSource => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    public SqliteConnection Open() => _pool.Rent();

    // SQLite's calls do not yield (Microsoft.Data.Sqlite's async methods run synchronously), so neither does this.
    public Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<SqliteConnection>(_pool.Rent());
    }

    /// <summary>
    /// Runs <paramref name="write"/> in a transaction shared with the other writes waiting (<see cref="GroupCommit"/>);
    /// its result comes back once that transaction has committed. If it throws, its own changes are undone. The
    /// transaction is SQL's own, not a <see cref="SqliteTransaction"/>: the write's commands take none.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> write, CancellationToken ct) =>
        _writes.WriteAsync(write, ct);

    /// <summary>
    /// How long a stored message may wait to be indexed for search, unless a search comes first. Indexing the messages
    /// of many commits at once writes one segment of the index for them all: indexing each send's message in its own
    /// commit wrote about half of that commit's pages.
    /// </summary>
    public static readonly TimeSpan IndexEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Indexes for search the messages queued so far (schema step 9), so that a search finds every message stored
    /// before it. A search calls this first; it writes only when something is queued.
    /// </summary>
    public async Task IndexQueuedAsync(CancellationToken ct)
    {
        using (var connection = Open())
        using (var queued = connection.Command("SELECT EXISTS (SELECT 1 FROM messages_fts_queue)"))
        {
            if ((long)queued.ExecuteScalar()! == 0)
            {
                return;
            }
        }
        await WriteAsync(connection =>
        {
            IndexQueuedMessages(connection);
            return Task.FromResult(true);
        }, ct);
    }

    private async Task IndexLaterAsync()
    {
        try
        {
            await IndexQueuedAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException)
        {
            // What is queued stays queued: the next commit or search indexes it.
        }
    }

    /// <summary>
    /// Runs before each shared commit: indexes the queue when <see cref="IndexEvery"/> has passed since it was last
    /// indexed, and otherwise makes sure it will be indexed soon even if no other write comes.
    /// </summary>
    private void IndexQueuedMessagesIfDue(SqliteConnection connection)
    {
        if (Stopwatch.GetElapsedTime(_indexedAt) >= IndexEvery)
        {
            IndexQueuedMessages(connection);
        }
        else if (Interlocked.Exchange(ref _indexLaterSet, 1) == 0)
        {
            _indexLater.Change(IndexEvery, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Indexes for search every message queued, in the write under way.</summary>
    private void IndexQueuedMessages(SqliteConnection connection)
    {
        _indexedAt = Stopwatch.GetTimestamp();
        using (var index = connection.Command(
            "INSERT INTO messages_fts (rowid, content) " +
            "SELECT m.rowid, m.content FROM messages_fts_queue q JOIN messages m ON m.rowid = q.message_rowid"))
        {
            index.ExecuteNonQuery();
        }
        using var clear = connection.Command("DELETE FROM messages_fts_queue");
        clear.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _indexLater.Dispose();
        _pool.Dispose();
    }

    private static void Initialize(SqliteConnection connection, string pragmas)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragmas;
        command.ExecuteNonQuery();
    }

    internal static string ResolveConnectionString(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } source && source != ":memory:" && !Path.IsPathRooted(source))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, source));
        }
        return builder.ToString();
    }

    private void Migrate()
    {
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        var version = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"));
        for (var next = version; next < SqliteSchema.Migrations.Length; next++)
        {
            Execute(connection, transaction, SqliteSchema.Migrations[next]);
            Execute(connection, transaction, $"PRAGMA user_version = {next + 1};");
        }
        transaction.Commit();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
