using MongoDB.Bson;

namespace HtmxChat.Web.Domain;

/// <summary>Ids are opaque strings; both stores use ObjectId text so data can move between them.</summary>
public static class Ids
{
    public static string New() => ObjectId.GenerateNewId().ToString();

    public static bool IsWellFormed(string? id) => id is { Length: 24 } && ObjectId.TryParse(id, out _);
}
