using System.Text.Json;
using HtmxChat.Web.Domain;
using Microsoft.Data.Sqlite;

namespace HtmxChat.Web.Storage.Sqlite;

public sealed class SqliteUserRepository(SqliteDatabase database) : IUserRepository
{
    private const string Columns =
        "id, username, normalized_username, email, normalized_email, password_hash, security_stamp, concurrency_stamp, " +
        "lockout_enabled, lockout_end, access_failed_count, gender, time_zone, roles, created_at";

    // Read with the rest, written only by SetLastSeenAsync.
    private const string ReadColumns = Columns + ", last_seen_at";

    public async Task<UserWriteResult> CreateAsync(ChatUser user, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = Bind(connection.Command(
            $"INSERT INTO users ({Columns}) VALUES ($id, $username, $normalized_username, $email, $normalized_email, $password_hash, " +
            "$security_stamp, $concurrency_stamp, $lockout_enabled, $lockout_end, $access_failed_count, $gender, $time_zone, $roles, $created_at)"), user);
        try
        {
            await command.ExecuteNonQueryAsync(ct);
            return UserWriteResult.Ok;
        }
        catch (SqliteException e) when (e.IsUniqueViolation())
        {
            return DuplicateFrom(e);
        }
    }

    public async Task<UserWriteResult> UpdateAsync(ChatUser user, string expectedConcurrencyStamp, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = Bind(connection.Command(
            "UPDATE users SET username = $username, normalized_username = $normalized_username, email = $email, " +
            "normalized_email = $normalized_email, password_hash = $password_hash, security_stamp = $security_stamp, " +
            "concurrency_stamp = $concurrency_stamp, lockout_enabled = $lockout_enabled, lockout_end = $lockout_end, " +
            "access_failed_count = $access_failed_count, gender = $gender, time_zone = $time_zone, roles = $roles " +
            "WHERE id = $id AND concurrency_stamp = $expected"), user).With("$expected", expectedConcurrencyStamp);
        try
        {
            if (await command.ExecuteNonQueryAsync(ct) == 1)
            {
                return UserWriteResult.Ok;
            }
            return await FindByIdAsync(user.Id, ct) is null ? UserWriteResult.NotFound : UserWriteResult.ConcurrencyFailure;
        }
        catch (SqliteException e) when (e.IsUniqueViolation())
        {
            return DuplicateFrom(e);
        }
    }

    public async Task<bool> DeleteAsync(string userId, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command("DELETE FROM users WHERE id = $id").With("$id", userId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task<ChatUser?> FindByIdAsync(string userId, CancellationToken ct = default) =>
        FindOneAsync("id = $value", userId, ct);

    public Task<ChatUser?> FindByNormalizedUserNameAsync(string normalizedUserName, CancellationToken ct = default) =>
        FindOneAsync("normalized_username = $value", normalizedUserName, ct);

    public Task<ChatUser?> FindByNormalizedEmailAsync(string normalizedEmail, CancellationToken ct = default) =>
        FindOneAsync("normalized_email = $value", normalizedEmail, ct);

    public async Task<IReadOnlyList<ChatUser>> FindByNormalizedUserNamesAsync(IReadOnlyCollection<string> normalizedUserNames, CancellationToken ct = default)
    {
        if (normalizedUserNames.Count == 0)
        {
            return [];
        }
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {ReadColumns} FROM users WHERE normalized_username IN (SELECT value FROM json_each($names))")
            .With("$names", JsonSerializer.Serialize(normalizedUserNames));
        return await ReadAllAsync(command, ct);
    }

    public async Task<IReadOnlyList<ChatUser>> FindByIdsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default)
    {
        if (userIds.Count == 0)
        {
            return [];
        }
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command($"SELECT {ReadColumns} FROM users WHERE id IN (SELECT value FROM json_each($ids))")
            .With("$ids", JsonSerializer.Serialize(userIds));
        return await ReadAllAsync(command, ct);
    }

    public async Task SetLastSeenAsync(string userId, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command("UPDATE users SET last_seen_at = $at WHERE id = $id").With("$at", at.ToUnixMs()).With("$id", userId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<ChatUser>> SearchByUserNamePrefixAsync(string normalizedPrefix, int limit, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        // A range on the unique index instead of LIKE, whose wildcards and case folding do not fit a plain prefix.
        await using var command = connection.Command(
            $"SELECT {ReadColumns} FROM users WHERE normalized_username >= $prefix AND normalized_username < $upper " +
            "ORDER BY normalized_username LIMIT $limit")
            .With("$prefix", normalizedPrefix)
            .With("$upper", normalizedPrefix + char.MaxValue)
            .With("$limit", limit);
        return await ReadAllAsync(command, ct);
    }

    public async Task<IReadOnlyList<ChatUser>> FindInRoleAsync(string role, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {ReadColumns} FROM users WHERE EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = $role) ORDER BY normalized_username")
            .With("$role", role);
        return await ReadAllAsync(command, ct);
    }

    private async Task<ChatUser?> FindOneAsync(string where, string value, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command($"SELECT {ReadColumns} FROM users WHERE {where}").With("$value", value);
        var users = await ReadAllAsync(command, ct);
        return users.Count > 0 ? users[0] : null;
    }

    private static UserWriteResult DuplicateFrom(SqliteException e) =>
        e.Message.Contains("normalized_email", StringComparison.Ordinal) ? UserWriteResult.DuplicateEmail : UserWriteResult.DuplicateUserName;

    private static SqliteCommand Bind(SqliteCommand command, ChatUser user) => command
        .With("$id", user.Id)
        .With("$username", user.UserName)
        .With("$normalized_username", user.NormalizedUserName)
        .With("$email", user.Email)
        .With("$normalized_email", user.NormalizedEmail)
        .With("$password_hash", user.PasswordHash)
        .With("$security_stamp", user.SecurityStamp)
        .With("$concurrency_stamp", user.ConcurrencyStamp)
        .With("$lockout_enabled", user.LockoutEnabled)
        .With("$lockout_end", user.LockoutEnd?.ToUnixMs())
        .With("$access_failed_count", user.AccessFailedCount)
        .With("$gender", user.Gender)
        .With("$time_zone", user.TimeZone)
        .With("$roles", JsonSerializer.Serialize(user.Roles))
        .With("$created_at", user.CreatedAt.ToUnixMs());

    private static async Task<IReadOnlyList<ChatUser>> ReadAllAsync(SqliteCommand command, CancellationToken ct)
    {
        var users = new List<ChatUser>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // By position in ReadColumns: a lookup by name compares column names on every row.
            users.Add(new ChatUser
            {
                Id = reader.GetString(0),
                UserName = reader.GetString(1),
                NormalizedUserName = reader.GetString(2),
                Email = reader.GetString(3),
                NormalizedEmail = reader.GetString(4),
                PasswordHash = reader.GetStringOrNull(5),
                SecurityStamp = reader.GetString(6),
                ConcurrencyStamp = reader.GetString(7),
                LockoutEnabled = reader.GetBoolean(8),
                LockoutEnd = reader.GetTimeOrNull(9),
                AccessFailedCount = reader.GetInt32(10),
                Gender = reader.GetStringOrNull(11),
                TimeZone = reader.GetString(12),
                Roles = JsonSerializer.Deserialize<List<string>>(reader.GetString(13)) ?? [],
                CreatedAt = reader.GetTime(14),
                LastSeenAt = reader.GetTimeOrNull(15),
            });
        }
        return users;
    }
}
