using HtmxChat.Web.Domain;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;

namespace HtmxChat.Web.Storage.Mongo;

// Field names are the seed's (FastAPI + MongoDB) where it had them, snake_case for what HtmxChat adds.

[BsonIgnoreExtraElements]
public sealed class UserDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)] public string Id { get; set; } = "";
    [BsonElement("username")] public string UserName { get; set; } = "";
    [BsonElement("normalized_username")] public string NormalizedUserName { get; set; } = "";
    [BsonElement("email")] public string Email { get; set; } = "";
    [BsonElement("normalized_email")] public string NormalizedEmail { get; set; } = "";
    [BsonElement("password_hash")] public string? PasswordHash { get; set; }
    [BsonElement("security_stamp")] public string SecurityStamp { get; set; } = "";
    [BsonElement("concurrency_stamp")] public string ConcurrencyStamp { get; set; } = "";
    [BsonElement("lockout_enabled")] public bool LockoutEnabled { get; set; }
    [BsonElement("lockout_end")] public DateTime? LockoutEnd { get; set; }
    [BsonElement("access_failed_count")] public int AccessFailedCount { get; set; }
    [BsonElement("gender"), BsonIgnoreIfNull] public string? Gender { get; set; }
    [BsonElement("time_zone")] public string TimeZone { get; set; } = TimeZones.Default;
    [BsonElement("roles")] public List<string> Roles { get; set; } = [];
    [BsonElement("created_at")] public DateTime CreatedAt { get; set; }

    /// <summary>
    /// Written by presence (<see cref="MongoFilters.LastSeen"/>). An account update replaces the document with the value it
    /// read, which a presence change in between makes a little stale until the next one.
    /// </summary>
    [BsonElement("last_seen_at"), BsonIgnoreIfNull] public DateTime? LastSeenAt { get; set; }

    public static UserDocument From(ChatUser user) => new()
    {
        Id = user.Id,
        UserName = user.UserName,
        NormalizedUserName = user.NormalizedUserName,
        Email = user.Email,
        NormalizedEmail = user.NormalizedEmail,
        PasswordHash = user.PasswordHash,
        SecurityStamp = user.SecurityStamp,
        ConcurrencyStamp = user.ConcurrencyStamp,
        LockoutEnabled = user.LockoutEnabled,
        LockoutEnd = user.LockoutEnd?.UtcDateTime,
        AccessFailedCount = user.AccessFailedCount,
        Gender = user.Gender,
        TimeZone = user.TimeZone,
        Roles = [.. user.Roles],
        CreatedAt = user.CreatedAt.UtcDateTime,
        LastSeenAt = user.LastSeenAt?.UtcDateTime,
    };

    public ChatUser ToDomain() => new()
    {
        Id = Id,
        UserName = UserName,
        NormalizedUserName = NormalizedUserName,
        Email = Email,
        NormalizedEmail = NormalizedEmail,
        PasswordHash = PasswordHash,
        SecurityStamp = SecurityStamp,
        ConcurrencyStamp = ConcurrencyStamp,
        LockoutEnabled = LockoutEnabled,
        LockoutEnd = LockoutEnd is { } end ? new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc)) : null,
        AccessFailedCount = AccessFailedCount,
        Gender = Gender,
        TimeZone = TimeZone,
        Roles = [.. Roles],
        CreatedAt = Utc(CreatedAt),
        LastSeenAt = LastSeenAt is { } seen ? Utc(seen) : null,
    };

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

[BsonIgnoreExtraElements]
public sealed class ChatDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)] public string Id { get; set; } = "";
    [BsonElement("user_id"), BsonRepresentation(BsonType.ObjectId)] public string CreatorId { get; set; } = "";
    [BsonElement("title"), BsonIgnoreIfNull] public string? Title { get; set; }
    [BsonElement("direct_key"), BsonIgnoreIfNull] public string? DirectKey { get; set; }
    [BsonElement("participants"), BsonRepresentation(BsonType.ObjectId)] public List<string> Participants { get; set; } = [];
    [BsonElement("members")] public List<MemberDocument> Members { get; set; } = [];
    [BsonElement("last_message")] public MessageSummaryDocument? LastMessage { get; set; }
    [BsonElement("last_seq")] public long LastSeq { get; set; }
    [BsonElement("version")] public long Version { get; set; }
    [BsonElement("details_version")] public long DetailsVersion { get; set; }
    [BsonElement("created_at")] public DateTime CreatedAt { get; set; }
    [BsonElement("last_activity_at")] public DateTime LastActivityAt { get; set; }

    public static ChatDocument From(Chat chat) => new()
    {
        Id = chat.Id,
        CreatorId = chat.CreatorId,
        Title = chat.Title,
        DirectKey = chat.DirectKey,
        Participants = [.. chat.Participants.Select(p => p.UserId)],
        Members = [.. chat.Participants.Select(p => new MemberDocument
        {
            UserId = p.UserId, UserName = p.UserName, ReadSeq = p.ReadSeq, UnreadMentions = p.UnreadMentions, Notifications = NotificationLevels.Name(p.Notifications),
        })],
        LastMessage = chat.LastMessage is { } last ? MessageSummaryDocument.From(last) : null,
        LastSeq = chat.LastSeq,
        Version = chat.Version,
        DetailsVersion = chat.DetailsVersion,
        CreatedAt = chat.CreatedAt.UtcDateTime,
        LastActivityAt = chat.LastActivityAt.UtcDateTime,
    };

    public Chat ToDomain() => new()
    {
        Id = Id,
        CreatorId = CreatorId,
        Title = Title,
        DirectKey = DirectKey,
        Participants = [.. Members.Select(m => new ChatParticipant
        {
            UserId = m.UserId, UserName = m.UserName, ReadSeq = m.ReadSeq, UnreadMentions = m.UnreadMentions,
            Notifications = NotificationLevels.Parse(m.Notifications) ?? NotificationLevel.All,
        })],
        LastMessage = LastMessage?.ToDomain(),
        LastSeq = LastSeq,
        Version = Version,
        DetailsVersion = DetailsVersion,
        CreatedAt = UserDocument.Utc(CreatedAt),
        LastActivityAt = UserDocument.Utc(LastActivityAt),
    };
}

public sealed class MemberDocument
{
    [BsonElement("user_id"), BsonRepresentation(BsonType.ObjectId)] public string UserId { get; set; } = "";
    [BsonElement("username")] public string UserName { get; set; } = "";
    [BsonElement("read_seq")] public long ReadSeq { get; set; }

    /// <summary>Messages after <see cref="ReadSeq"/> that mention this member: counted as they are written, recounted when read.</summary>
    [BsonElement("unread_mentions")] public long UnreadMentions { get; set; }

    /// <summary><c>all</c> (the default, also for members stored before levels existed), <c>mentions</c> or <c>none</c>.</summary>
    [BsonElement("notifications"), BsonDefaultValue("all"), BsonIgnoreIfDefault] public string Notifications { get; set; } = "all";
}

public sealed class MessageSummaryDocument
{
    [BsonElement("sender_id"), BsonRepresentation(BsonType.ObjectId)] public string SenderId { get; set; } = "";
    [BsonElement("sender_name")] public string SenderName { get; set; } = "";
    [BsonElement("content")] public string Content { get; set; } = "";
    [BsonElement("timestamp")] public DateTime Timestamp { get; set; }
    [BsonElement("deleted"), BsonIgnoreIfDefault] public bool Deleted { get; set; }

    public static MessageSummaryDocument From(MessageSummary summary) => new()
    {
        SenderId = summary.SenderId,
        SenderName = summary.SenderName,
        Content = summary.Content,
        Timestamp = summary.Timestamp.UtcDateTime,
        Deleted = summary.Deleted,
    };

    public MessageSummary ToDomain() => new(SenderId, SenderName, Content, UserDocument.Utc(Timestamp), Deleted);
}

[BsonIgnoreExtraElements]
public sealed class MessageDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)] public string Id { get; set; } = "";
    [BsonElement("chat_id"), BsonRepresentation(BsonType.ObjectId)] public string ChatId { get; set; } = "";
    [BsonElement("seq")] public long Seq { get; set; }
    [BsonElement("sender_id"), BsonRepresentation(BsonType.ObjectId)] public string SenderId { get; set; } = "";
    [BsonElement("sender_name")] public string SenderName { get; set; } = "";
    [BsonElement("content")] public string Content { get; set; } = "";
    [BsonElement("timestamp")] public DateTime Timestamp { get; set; }
    [BsonElement("version")] public long Version { get; set; }
    [BsonElement("created_version")] public long CreatedVersion { get; set; }
    [BsonElement("kind")] public string Kind { get; set; } = "text";
    [BsonElement("edited_at")] public DateTime? EditedAt { get; set; }
    [BsonElement("deleted")] public bool Deleted { get; set; }

    [BsonElement("reply_to_id"), BsonRepresentation(BsonType.ObjectId), BsonIgnoreIfNull] public string? ReplyToId { get; set; }

    [BsonElement("mentions")] public List<MentionDocument> Mentions { get; set; } = [];

    /// <summary>One entry per person and reaction, in the order added.</summary>
    [BsonElement("reactions")] public List<ReactionDocument> Reactions { get; set; } = [];

    /// <summary>The files sent with it, as they were sent (the attachments collection holds who may use unsent ones).</summary>
    [BsonElement("attachments")] public List<AttachmentDocument> Attachments { get; set; } = [];

    public static MessageDocument From(Message message) => new()
    {
        Id = message.Id,
        ChatId = message.ChatId,
        Seq = message.Seq,
        SenderId = message.SenderId,
        SenderName = message.SenderName,
        Content = message.Content,
        Timestamp = message.Timestamp.UtcDateTime,
        Version = message.Version,
        CreatedVersion = message.CreatedVersion,
        Kind = message.Kind == MessageKind.System ? "system" : "text",
        EditedAt = message.EditedAt?.UtcDateTime,
        Deleted = message.Deleted,
        ReplyToId = message.ReplyTo?.Id,
        Mentions = [.. message.Mentions.Select(m => new MentionDocument { UserId = m.UserId, UserName = m.UserName })],
        Reactions = [.. message.Reactions.SelectMany(r => r.Users.Select(u => new ReactionDocument { Reaction = r.Reaction, UserId = u.UserId, UserName = u.UserName }))],
        Attachments = [.. message.Attachments.Select(AttachmentDocument.From)],
    };

    public Message ToDomain() => new(Id, ChatId, Seq, SenderId, SenderName, Content, UserDocument.Utc(Timestamp))
    {
        Version = Version,
        CreatedVersion = CreatedVersion,
        Kind = Kind == "system" ? MessageKind.System : MessageKind.Text,
        EditedAt = EditedAt is { } edited ? UserDocument.Utc(edited) : null,
        Deleted = Deleted,
        Mentions = [.. Mentions.Select(m => new Mention(m.UserId, m.UserName))],
        Reactions = [.. Reactions.GroupBy(r => r.Reaction).Select(g => new MessageReaction(g.Key, [.. g.Select(r => new Reactor(r.UserId, r.UserName))]))],
        Attachments = [.. Attachments.Select(a => a.ToDomain())],
    };
}

public sealed class MentionDocument
{
    [BsonElement("user_id"), BsonRepresentation(BsonType.ObjectId)] public string UserId { get; set; } = "";
    [BsonElement("username")] public string UserName { get; set; } = "";
}

public sealed class ReactionDocument
{
    [BsonElement("reaction")] public string Reaction { get; set; } = "";
    [BsonElement("user_id"), BsonRepresentation(BsonType.ObjectId)] public string UserId { get; set; } = "";
    [BsonElement("username")] public string UserName { get; set; } = "";
}

public sealed class KeyDocument
{
    [BsonId] public string Name { get; set; } = "";
    [BsonElement("value")] public string Value { get; set; } = "";
}

/// <summary>An upload (the attachments collection), and its copy inside the message that sent it.</summary>
public sealed class AttachmentDocument
{
    [BsonId, BsonRepresentation(BsonType.ObjectId)] public string Id { get; set; } = "";
    [BsonElement("chat_id"), BsonRepresentation(BsonType.ObjectId)] public string ChatId { get; set; } = "";
    [BsonElement("uploader_id"), BsonRepresentation(BsonType.ObjectId)] public string UploaderId { get; set; } = "";
    [BsonElement("message_id"), BsonRepresentation(BsonType.ObjectId)] public string? MessageId { get; set; }
    [BsonElement("file_name")] public string FileName { get; set; } = "";
    [BsonElement("content_type")] public string ContentType { get; set; } = "";
    [BsonElement("size")] public long Size { get; set; }
    [BsonElement("width"), BsonIgnoreIfNull] public int? Width { get; set; }
    [BsonElement("height"), BsonIgnoreIfNull] public int? Height { get; set; }
    [BsonElement("content_hash")] public string ContentHash { get; set; } = "";
    [BsonElement("thumbnail_hash"), BsonIgnoreIfNull] public string? ThumbnailHash { get; set; }
    [BsonElement("thumbnail_type"), BsonIgnoreIfNull] public string? ThumbnailType { get; set; }
    [BsonElement("created_at")] public DateTime CreatedAt { get; set; }

    public static AttachmentDocument From(Attachment a) => new()
    {
        Id = a.Id,
        ChatId = a.ChatId,
        UploaderId = a.UploaderId,
        MessageId = a.MessageId,
        FileName = a.FileName,
        ContentType = a.ContentType,
        Size = a.Size,
        Width = a.Width,
        Height = a.Height,
        ContentHash = a.ContentHash,
        ThumbnailHash = a.ThumbnailHash,
        ThumbnailType = a.ThumbnailType,
        CreatedAt = a.CreatedAt.UtcDateTime,
    };

    public Attachment ToDomain() => new(Id, ChatId, UploaderId, FileName, ContentType, Size, UserDocument.Utc(CreatedAt))
    {
        MessageId = MessageId,
        Width = Width,
        Height = Height,
        ContentHash = ContentHash,
        ThumbnailHash = ThumbnailHash,
        ThumbnailType = ThumbnailType,
    };
}
