using HtmxChat.Web.Domain;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;

namespace HtmxChat.Web.Storage.Mongo;

/// <summary>
/// Attachment records in the <c>attachments</c> collection, their bytes in the GridFS bucket of the same name. GridFS
/// writes a file's record after all its chunks, so an interrupted upload is never visible as a file.
/// </summary>
public sealed class MongoAttachmentStore(MongoDatabase mongo) : IAttachmentStore
{
    /// <summary>The GridFS id of an attachment's bytes: its own id, with <c>.thumbnail</c> for its thumbnail.</summary>
    public static string FileId(string attachmentId, AttachmentPart part) =>
        part == AttachmentPart.Thumbnail ? attachmentId + ".thumbnail" : attachmentId;

    public async Task AddAsync(Attachment attachment, Stream content, Stream? thumbnail, CancellationToken ct = default)
    {
        await mongo.Files.UploadFromStreamAsync(FileId(attachment.Id, AttachmentPart.Content), attachment.FileName, content, Upload(attachment.ContentType), ct);
        if (thumbnail is not null)
        {
            await mongo.Files.UploadFromStreamAsync(FileId(attachment.Id, AttachmentPart.Thumbnail), attachment.FileName, thumbnail, Upload(attachment.ThumbnailType), ct);
        }
        await mongo.Attachments.InsertOneAsync(AttachmentDocument.From(attachment with { MessageId = null }), cancellationToken: ct);
    }

    private static GridFSUploadOptions Upload(string? contentType) => new()
    {
        Metadata = new MongoDB.Bson.BsonDocument("content_type", contentType ?? FileTypes.Binary),
    };

    public async Task<Attachment?> FindAsync(string id, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(id)
            ? (await mongo.Attachments.Find(Builders<AttachmentDocument>.Filter.Eq(a => a.Id, id)).FirstOrDefaultAsync(ct))?.ToDomain()
            : null;

    public async Task<Stream?> OpenReadAsync(Attachment attachment, AttachmentPart part, CancellationToken ct = default)
    {
        if (part == AttachmentPart.Thumbnail && !attachment.HasThumbnail)
        {
            return null;
        }
        try
        {
            return await mongo.Files.OpenDownloadStreamAsync(FileId(attachment.Id, part), new GridFSDownloadOptions { Seekable = true }, ct);
        }
        catch (GridFSFileNotFoundException)
        {
            return null;
        }
    }

    public async Task ReleaseAsync(IReadOnlyList<Attachment> attachments, CancellationToken ct = default)
    {
        if (attachments.Count == 0)
        {
            return;
        }
        await mongo.Attachments.DeleteManyAsync(Builders<AttachmentDocument>.Filter.In(a => a.Id, attachments.Select(a => a.Id)), ct);
        foreach (var attachment in attachments)
        {
            await DeleteFileAsync(FileId(attachment.Id, AttachmentPart.Content), ct);
            if (attachment.HasThumbnail)
            {
                await DeleteFileAsync(FileId(attachment.Id, AttachmentPart.Thumbnail), ct);
            }
        }
    }

    private async Task DeleteFileAsync(string fileId, CancellationToken ct)
    {
        try
        {
            await mongo.Files.DeleteAsync(fileId, ct);
        }
        catch (GridFSFileNotFoundException)
        {
        }
    }

    public async Task<IReadOnlyList<Attachment>> FindUnsentAsync(DateTimeOffset createdBefore, int limit, CancellationToken ct = default) =>
        [.. (await mongo.Attachments.Find(MongoFilters.UnsentBefore(createdBefore)).SortBy(a => a.CreatedAt).Limit(limit).ToListAsync(ct)).Select(a => a.ToDomain())];

    public async Task<int> RemoveLeftoversAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        // Files whose record never came (the process stopped between the bytes and the record) or is gone.
        var removed = 0;
        var old = Builders<GridFSFileInfo<string>>.Filter.Lt(f => f.UploadDateTime, before.UtcDateTime);
        using var cursor = await mongo.Files.FindAsync(old, new GridFSFindOptions<string> { BatchSize = 500 }, ct);
        while (await cursor.MoveNextAsync(ct))
        {
            foreach (var file in cursor.Current)
            {
                var attachmentId = file.Id.EndsWith(".thumbnail", StringComparison.Ordinal) ? file.Id[..^".thumbnail".Length] : file.Id;
                if (!MongoFilters.IsObjectId(attachmentId)
                    || await mongo.Attachments.CountDocumentsAsync(Builders<AttachmentDocument>.Filter.Eq(a => a.Id, attachmentId), cancellationToken: ct) == 0)
                {
                    await DeleteFileAsync(file.Id, ct);
                    removed++;
                }
            }
        }
        return removed;
    }
}
