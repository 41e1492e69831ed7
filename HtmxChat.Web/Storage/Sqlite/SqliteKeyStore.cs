namespace HtmxChat.Web.Storage.Sqlite;

public sealed class SqliteKeyStore(SqliteDatabase database) : IKeyStore, IStorageHealth
{
    public IReadOnlyList<string> GetDataProtectionKeys()
    {
        using var connection = database.Open();
        using var command = connection.Command("SELECT xml FROM data_protection_keys ORDER BY rowid");
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    }

    public void AddDataProtectionKey(string name, string xml)
    {
        using var connection = database.Open();
        using var command = connection.Command("INSERT OR REPLACE INTO data_protection_keys (name, xml) VALUES ($name, $xml)")
            .With("$name", name).With("$xml", xml);
        command.ExecuteNonQuery();
    }

    public string GetOrAddSecret(string name, string candidate)
    {
        using var connection = database.Open();
        using var insert = connection.Command("INSERT OR IGNORE INTO secrets (name, value) VALUES ($name, $value)")
            .With("$name", name).With("$value", candidate);
        insert.ExecuteNonQuery();
        using var select = connection.Command("SELECT value FROM secrets WHERE name = $name").With("$name", name);
        return (string)select.ExecuteScalar()!;
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command("SELECT count(*) FROM sqlite_master");
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }
}
