using HtmxChat.Web.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Storage.Sqlite;

/// <summary>Attachment rows in the SQLite file, their bytes in a <see cref="ContentFolder"/> beside it.</summary>
public sealed class SqliteAttachmentStore(SqliteDatabase database, ContentFolder files) : IAttachmentStore
{
    internal const string Columns =
        "a.id, a.chat_id, a.uploader_id, a.message_id, a.file_name, a.content_type, a.size, a.width, a.height, " +
        "a.content_hash, a.thumbnail_hash, a.thumbnail_type, a.created_at";

    // Writing a file and adding the row that needs it, or dropping a row and then the file no row needs, happen under
    // one lock per hash: a deletion never takes a file an upload of the same bytes has just decided to share.
    private readonly SemaphoreSlim[] _hashLocks = [.. Enumerable.Range(0, 32).Select(_ => new SemaphoreSlim(1, 1))];

    public SqliteAttachmentStore(SqliteDatabase database, IOptions<StorageOptions> options, IHostEnvironment environment)
        : this(database, new ContentFolder(FolderFor(database, options.Value.FilesFolder, environment.ContentRootPath)))
    {
    }

    internal static string FolderFor(SqliteDatabase database, string? configured, string contentRoot) =>
        configured is { Length: > 0 } folder
            ? Path.GetFullPath(Path.Combine(contentRoot, folder))
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(database.DataSource))!, "files");

    public async Task AddAsync(Attachment attachment, Stream content, Stream? thumbnail, CancellationToken ct = default)
    {
        using var contentLock = await LockAsync(attachment.ContentHash, ct);
        using var thumbnailLock = attachment.ThumbnailHash is { } t && LockOf(t) != LockOf(attachment.ContentHash) ? await LockAsync(t, ct) : null;
        await files.WriteAsync(attachment.ContentHash, content, ct);
        if (thumbnail is not null && attachment.ThumbnailHash is { } thumbnailHash)
        {
            await files.WriteAsync(thumbnailHash, thumbnail, ct);
        }
        await using var connection = await database.OpenAsync(ct);
        await using var insert = connection.Command(
            "INSERT INTO attachments (id, chat_id, uploader_id, file_name, content_type, size, width, height, content_hash, thumbnail_hash, thumbnail_type, created_at) " +
            "VALUES ($id, $chat, $uploader, $name, $type, $size, $width, $height, $hash, $thumbnail, $thumbnail_type, $created)")
            .With("$id", attachment.Id).With("$chat", attachment.ChatId).With("$uploader", attachment.UploaderId)
            .With("$name", attachment.FileName).With("$type", attachment.ContentType).With("$size", attachment.Size)
            .With("$width", attachment.Width).With("$height", attachment.Height).With("$hash", attachment.ContentHash)
            .With("$thumbnail", attachment.ThumbnailHash).With("$thumbnail_type", attachment.ThumbnailType).With("$created", attachment.CreatedAt.ToUnixMs());
        await insert.ExecuteNonQueryAsync(ct);
    }

    public async Task<Attachment?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command($"SELECT {Columns} FROM attachments a WHERE a.id = $id").With("$id", id);
        return (await ReadAsync(command, ct)).FirstOrDefault();
    }

    public Task<Stream?> OpenReadAsync(Attachment attachment, AttachmentPart part, CancellationToken ct = default) =>
        Task.FromResult(part == AttachmentPart.Thumbnail
            ? attachment.ThumbnailHash is { } thumbnail ? files.OpenRead(thumbnail) : null
            : files.OpenRead(attachment.ContentHash));

    public async Task ReleaseAsync(IReadOnlyList<Attachment> attachments, CancellationToken ct = default)
    {
        if (attachments.Count == 0)
        {
            return;
        }
        await using var connection = await database.OpenAsync(ct);
        foreach (var attachment in attachments)
        {
            await using var delete = connection.Command("DELETE FROM attachments WHERE id = $id").With("$id", attachment.Id);
            await delete.ExecuteNonQueryAsync(ct);
        }
        foreach (var hash in attachments.SelectMany(a => new[] { a.ContentHash, a.ThumbnailHash }).OfType<string>().Distinct())
        {
            await DeleteUnusedFileAsync(connection, hash, ct);
        }
    }

    public async Task<IReadOnlyList<Attachment>> FindUnsentAsync(DateTimeOffset createdBefore, int limit, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.Command(
            $"SELECT {Columns} FROM attachments a WHERE a.message_id IS NULL AND a.created_at < $before ORDER BY a.created_at LIMIT $limit")
            .With("$before", createdBefore.ToUnixMs()).With("$limit", limit);
        return await ReadAsync(command, ct);
    }

    public async Task<int> RemoveLeftoversAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var removed = files.RemoveLeftovers(before);
        // Files whose rows are gone (the process stopped between a message's deletion and the files').
        await using var connection = await database.OpenAsync(ct);
        foreach (var (hash, _) in files.List().Where(f => f.Written < before).ToList())
        {
            removed += await DeleteUnusedFileAsync(connection, hash, ct) ? 1 : 0;
        }
        return removed;
    }

    private async Task<bool> DeleteUnusedFileAsync(SqliteConnection connection, string hash, CancellationToken ct)
    {
        using var held = await LockAsync(hash, ct);
        await using var used = connection.Command(
            "SELECT EXISTS (SELECT 1 FROM attachments WHERE content_hash = $hash) OR EXISTS (SELECT 1 FROM attachments WHERE thumbnail_hash = $hash)")
            .With("$hash", hash);
        if ((long)(await used.ExecuteScalarAsync(ct))! != 0)
        {
            return false;
        }
        files.Delete(hash);
        return true;
    }

    internal static async Task<List<Attachment>> ReadAsync(SqliteCommand command, CancellationToken ct)
    {
        var found = new List<Attachment>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(Read(reader, 0));
        }
        return found;
    }

    /// <summary>One row of <see cref="Columns"/>, starting at <paramref name="at"/>.</summary>
    internal static Attachment Read(SqliteDataReader reader, int at) =>
        new(reader.GetString(at), reader.GetString(at + 1), reader.GetString(at + 2), reader.GetString(at + 4), reader.GetString(at + 5),
            reader.GetInt64(at + 6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(at + 12)))
        {
            MessageId = reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3),
            Width = reader.IsDBNull(at + 7) ? null : reader.GetInt32(at + 7),
            Height = reader.IsDBNull(at + 8) ? null : reader.GetInt32(at + 8),
            ContentHash = reader.GetString(at + 9),
            ThumbnailHash = reader.IsDBNull(at + 10) ? null : reader.GetString(at + 10),
            ThumbnailType = reader.IsDBNull(at + 11) ? null : reader.GetString(at + 11),
        };

    private SemaphoreSlim LockOf(string hash) => _hashLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(hash) % (uint)_hashLocks.Length)];

    private async Task<Held> LockAsync(string hash, CancellationToken ct)
    {
        var gate = LockOf(hash);
        await gate.WaitAsync(ct);
        return new Held(gate);
    }

    private sealed class Held(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
