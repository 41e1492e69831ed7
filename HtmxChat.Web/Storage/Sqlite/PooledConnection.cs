using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>
/// A connection that stays open between uses and keeps its prepared statements: disposing it hands it back to its
/// <see cref="ConnectionPool"/>. SQLite compiles a statement in about the time it takes to run a simple one, and
/// Microsoft.Data.Sqlite drops every statement when a connection closes, so reusing both halves the cost of a send.
/// </summary>
internal sealed class PooledConnection(string connectionString, ConnectionPool pool) : SqliteConnection(connectionString)
{
    private readonly Dictionary<string, ReusedCommand> _statements = new(StringComparer.Ordinal);
    private bool _closing;

    /// <summary>The command for <paramref name="sql"/>, prepared once per connection; a fresh one if it is in use.</summary>
    public SqliteCommand Statement(string sql, SqliteTransaction? transaction)
    {
        if (!_statements.TryGetValue(sql, out var command))
        {
            if (_statements.Count >= MaxStatements)
            {
                // Statements built from varying text (IN lists) would otherwise pile up; start the cache over.
                foreach (var old in _statements.Values)
                {
                    old.Retire();
                }
                _statements.Clear();
            }
            command = new ReusedCommand { Connection = this, CommandText = sql };
            _statements[sql] = command;
        }
        else if (command.InUse)
        {
            return new SqliteCommand(sql, this, transaction);
        }
        command.InUse = true;
        command.Transaction = transaction;
        return command;
    }

    private const int MaxStatements = 200;

    public override void Close()
    {
        if (_closing)
        {
            base.Close();
            return;
        }
        // Whatever the last user left open (a transaction only when it failed half-way) is undone before the next use.
        Transaction?.Dispose();
        if (State == System.Data.ConnectionState.Open && !this.IsInAutocommit())
        {
            using var rollback = Statement("ROLLBACK", null);
            rollback.ExecuteNonQuery();
        }
        if (!pool.TryReturn(this))
        {
            CloseForGood();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closing)
        {
            Close();
            return;
        }
        base.Dispose(disposing);
    }

    public void CloseForGood()
    {
        _closing = true;
        foreach (var command in _statements.Values)
        {
            command.Retire();
        }
        _statements.Clear();
        base.Dispose(true);
    }

    /// <summary>A cached command: disposing it only makes it free for the next use.</summary>
    private sealed class ReusedCommand : SqliteCommand
    {
        private bool _retired;

        public bool InUse { get; set; }

        public void Retire()
        {
            _retired = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_retired)
            {
                Parameters.Clear();
                Transaction = null;
                InUse = false;
                return;
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Open connections to one database file, each with its prepared statements (<see cref="PooledConnection"/>).</summary>
internal sealed class ConnectionPool(string connectionString, Action<SqliteConnection> initialize) : IDisposable
{
    // Enough for every thread pool thread on a small machine to hold one; more are opened under load and closed after.
    private const int MaxIdle = 32;

    private readonly ConcurrentBag<PooledConnection> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public PooledConnection Rent()
    {
        if (_idle.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }
        connection = new PooledConnection(connectionString, this);
        try
        {
            connection.Open();
            initialize(connection);
            return connection;
        }
        catch
        {
            connection.CloseForGood();
            throw;
        }
    }

    public bool TryReturn(PooledConnection connection)
    {
        if (_disposed || connection.State != System.Data.ConnectionState.Open)
        {
            return false;
        }
        if (Interlocked.Increment(ref _idleCount) > MaxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            return false;
        }
        _idle.Add(connection);
        if (_disposed)
        {
            CloseIdle();
        }
        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.CloseForGood();
        }
    }
}
