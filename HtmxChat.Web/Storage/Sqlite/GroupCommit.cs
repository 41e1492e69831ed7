using HtmxChat.Web.Infrastructure;
using Microsoft.Data.Sqlite;

namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>
/// Writes that share one transaction and one commit: each caller's write runs under a savepoint of its own (so one
/// failing undoes only itself) inside whatever batch is open, and the caller hears back only after the batch has
/// committed. SQLite has one writer at a time anyway; many senders then pay for one commit instead of one each.
/// <para>
/// No thread is set aside: the caller that finds no batch running runs one (its own write and every write queued by
/// then); a batch that ends with more waiting hands them to a pool thread, so no caller writes for others for long.
/// </para>
/// </summary>
/// <param name="beforeCommit">Runs once per batch, after its writes and before its commit.</param>
internal sealed class GroupCommit(Func<SqliteConnection> open, Action<SqliteConnection>? beforeCommit = null)
{
    private const int MaxBatch = 256;

    private readonly RunQueue<Write> _queue = new();

    public Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct)
    {
        var write = new Write<T>(work, ct);
        return _queue.Add(write) ? RunOneBatchThenAwaitAsync(write) : write.Result;
    }

    private async Task<T> RunOneBatchThenAwaitAsync<T>(Write<T> mine)
    {
        await RunBatchThenHandOnAsync();
        return await mine.Result;
    }

    private async Task RunBatchThenHandOnAsync()
    {
        await RunBatchAsync();
        HandOnOrStop();
    }

    private void HandOnOrStop()
    {
        // A write queued after the batch took its last one, but before the turn was given back, was left for this batch.
        if (_queue.GiveBack())
        {
            _ = Task.Run(RunBatchThenHandOnAsync);
        }
    }

    private async Task RunBatchAsync()
    {
        var batch = new List<Write>();
        Write? current = null;
        try
        {
            await using var connection = open();
            // BEGIN and COMMIT as statements of their own, compiled once per connection like the rest (a
            // SqliteTransaction compiles them anew each time). IMMEDIATE: the write lock is taken up front.
            Execute(connection, "BEGIN IMMEDIATE");
            try
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out current))
                {
                    if (current.Cancelled)
                    {
                        current.Fail(new OperationCanceledException(current.CancellationToken));
                        continue;
                    }
                    Execute(connection, "SAVEPOINT write");
                    try
                    {
                        await current.RunAsync(connection);
                    }
                    catch (Exception e)
                    {
                        current.Fail(e);
                        Execute(connection, "ROLLBACK TO write");
                        Execute(connection, "RELEASE write");
                        continue;
                    }
                    Execute(connection, "RELEASE write");
                    batch.Add(current);
                }
                current = null;
                beforeCommit?.Invoke(connection);
                Execute(connection, "COMMIT");
            }
            catch
            {
                if (!connection.IsInAutocommit())
                {
                    Execute(connection, "ROLLBACK");
                }
                throw;
            }
        }
        catch (Exception e)
        {
            // Nothing of this batch is stored. When the batch could not even begin, the writes waiting fail rather
            // than be retried at once, again and again.
            if (current is not null)
            {
                batch.Add(current);
            }
            while (batch.Count == 0 && _queue.TryDequeue(out var waiting))
            {
                batch.Add(waiting);
            }
            foreach (var write in batch)
            {
                write.Fail(e);
            }
            return;
        }
        foreach (var write in batch)
        {
            write.Succeed();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.Command(sql);
        command.ExecuteNonQuery();
    }

    private abstract class Write(CancellationToken ct)
    {
        public CancellationToken CancellationToken => ct;
        public bool Cancelled => ct.IsCancellationRequested;
        public abstract Task RunAsync(SqliteConnection connection);
        public abstract void Succeed();
        public abstract void Fail(Exception e);
    }

    private sealed class Write<T>(Func<SqliteConnection, Task<T>> work, CancellationToken ct) : Write(ct)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _value;

        public Task<T> Result => _done.Task;

        public override async Task RunAsync(SqliteConnection connection) => _value = await work(connection);

        public override void Succeed() => _done.TrySetResult(_value!);

        public override void Fail(Exception e)
        {
            if (e is OperationCanceledException canceled)
            {
                _done.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _done.TrySetException(e);
            }
        }
    }
}
