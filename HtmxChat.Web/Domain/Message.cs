namespace HtmxChat.Web.Domain;

public sealed record Message(
    string Id,
    string ChatId,
    long Seq,
    string SenderId,
    string SenderName,
    string Content,
    DateTimeOffset Timestamp)
{
    public MessageSummary ToSummary() => new(SenderId, SenderName, Content, Timestamp);
}

/// <summary>A page of a chat's messages, oldest first.</summary>
public sealed record MessagePage(IReadOnlyList<Message> Messages, bool HasMore);
