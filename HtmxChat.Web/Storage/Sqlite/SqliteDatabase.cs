using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>Opens connections to the embedded database file and brings its schema up to date.</summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;

    public SqliteDatabase(IOptions<StorageOptions> options, IHostEnvironment environment)
        : this(ResolveConnectionString(options.Value.SqliteConnectionString, environment.ContentRootPath))
    {
    }

    public SqliteDatabase(string connectionString)
    {
        _connectionString = connectionString;
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (Path.GetDirectoryName(dataSource) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
        Migrate();
    }

    public string DataSource => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";
        await pragmas.ExecuteNonQueryAsync(ct);
        return connection;
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
