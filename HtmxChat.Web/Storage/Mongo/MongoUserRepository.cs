using HtmxChat.Web.Domain;
using MongoDB.Driver;

namespace HtmxChat.Web.Storage.Mongo;

public sealed class MongoUserRepository(MongoDatabase mongo) : IUserRepository
{
    public async Task<UserWriteResult> CreateAsync(ChatUser user, CancellationToken ct = default)
    {
        try
        {
            await mongo.Users.InsertOneAsync(UserDocument.From(user), cancellationToken: ct);
            return UserWriteResult.Ok;
        }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            return DuplicateFrom(e);
        }
    }

    public async Task<UserWriteResult> UpdateAsync(ChatUser user, string expectedConcurrencyStamp, CancellationToken ct = default)
    {
        if (!MongoFilters.IsObjectId(user.Id))
        {
            return UserWriteResult.NotFound;
        }
        try
        {
            var result = await mongo.Users.ReplaceOneAsync(MongoFilters.UserVersion(user.Id, expectedConcurrencyStamp), UserDocument.From(user), cancellationToken: ct);
            if (result.MatchedCount == 1)
            {
                return UserWriteResult.Ok;
            }
            return await FindByIdAsync(user.Id, ct) is null ? UserWriteResult.NotFound : UserWriteResult.ConcurrencyFailure;
        }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            return DuplicateFrom(e);
        }
    }

    public async Task<bool> DeleteAsync(string userId, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(userId) && (await mongo.Users.DeleteOneAsync(u => u.Id == userId, ct)).DeletedCount == 1;

    public async Task<ChatUser?> FindByIdAsync(string userId, CancellationToken ct = default) =>
        MongoFilters.IsObjectId(userId) ? (await mongo.Users.Find(u => u.Id == userId).FirstOrDefaultAsync(ct))?.ToDomain() : null;

    public async Task<ChatUser?> FindByNormalizedUserNameAsync(string normalizedUserName, CancellationToken ct = default) =>
        (await mongo.Users.Find(u => u.NormalizedUserName == normalizedUserName).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<ChatUser?> FindByNormalizedEmailAsync(string normalizedEmail, CancellationToken ct = default) =>
        (await mongo.Users.Find(u => u.NormalizedEmail == normalizedEmail).FirstOrDefaultAsync(ct))?.ToDomain();

    public async Task<IReadOnlyList<ChatUser>> FindByNormalizedUserNamesAsync(IReadOnlyCollection<string> normalizedUserNames, CancellationToken ct = default)
    {
        var documents = await mongo.Users.Find(Builders<UserDocument>.Filter.In(u => u.NormalizedUserName, normalizedUserNames)).ToListAsync(ct);
        return [.. documents.Select(d => d.ToDomain())];
    }

    public async Task<IReadOnlyList<ChatUser>> SearchByUserNamePrefixAsync(string normalizedPrefix, int limit, CancellationToken ct = default)
    {
        var documents = await mongo.Users.Find(MongoFilters.UserNamePrefix(normalizedPrefix))
            .SortBy(u => u.NormalizedUserName).Limit(limit).ToListAsync(ct);
        return [.. documents.Select(d => d.ToDomain())];
    }

    public async Task<IReadOnlyList<ChatUser>> FindByIdsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default)
    {
        var ids = userIds.Where(MongoFilters.IsObjectId).ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        var documents = await mongo.Users.Find(Builders<UserDocument>.Filter.In(u => u.Id, ids)).ToListAsync(ct);
        return [.. documents.Select(d => d.ToDomain())];
    }

    public async Task SetLastSeenAsync(string userId, DateTimeOffset at, CancellationToken ct = default)
    {
        if (MongoFilters.IsObjectId(userId))
        {
            await mongo.Users.UpdateOneAsync(MongoFilters.UserById(userId), MongoFilters.LastSeen(at), cancellationToken: ct);
        }
    }

    public async Task<IReadOnlyList<ChatUser>> FindInRoleAsync(string role, CancellationToken ct = default)
    {
        var documents = await mongo.Users.Find(Builders<UserDocument>.Filter.AnyEq(u => u.Roles, role))
            .SortBy(u => u.NormalizedUserName).ToListAsync(ct);
        return [.. documents.Select(d => d.ToDomain())];
    }

    private static UserWriteResult DuplicateFrom(MongoWriteException e) =>
        e.WriteError.Message.Contains("normalized_email", StringComparison.Ordinal) ? UserWriteResult.DuplicateEmail : UserWriteResult.DuplicateUserName;
}
