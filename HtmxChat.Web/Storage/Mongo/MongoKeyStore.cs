using MongoDB.Bson;
using MongoDB.Driver;

namespace HtmxChat.Web.Storage.Mongo;

public sealed class MongoKeyStore(MongoDatabase mongo) : IKeyStore, IStorageHealth
{
    public IReadOnlyList<string> GetDataProtectionKeys() =>
        [.. mongo.DataProtectionKeys.Find(FilterDefinition<KeyDocument>.Empty).ToList().Select(k => k.Value)];

    public void AddDataProtectionKey(string name, string xml) =>
        mongo.DataProtectionKeys.ReplaceOne(k => k.Name == name, new KeyDocument { Name = name, Value = xml }, new ReplaceOptions { IsUpsert = true });

    public string GetOrAddSecret(string name, string candidate)
    {
        // $setOnInsert keeps the first writer's value; two instances upserting at once make one fail on _id, and it reads the winner's.
        try
        {
            return mongo.Secrets.FindOneAndUpdate(
                Builders<KeyDocument>.Filter.Eq(k => k.Name, name),
                Builders<KeyDocument>.Update.SetOnInsert(k => k.Value, candidate),
                new FindOneAndUpdateOptions<KeyDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After }).Value;
        }
        catch (MongoCommandException e) when (e.Code == 11000)
        {
            return mongo.Secrets.Find(k => k.Name == name).First().Value;
        }
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        var reply = await mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: ct);
        return reply.GetValue("ok", 0).ToDouble() >= 1;
    }
}
