using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;

namespace HtmxChat.Web.Api;

// The resources of shared/API.md, as JSON clients see them.

[Description("email only in the caller's own account and in what an admin reads; online while the person has an open stream or socket on any instance.")]
public sealed record UserResponse(
    string Id,
    string Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email,
    string? Gender,
    string TimeZone,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Online = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? LastSeenAt = null)
{
    public UserResponse WithPresence(IReadOnlySet<string> online, ChatUser user) => this with { Online = online.Contains(Id), LastSeenAt = user.LastSeenAt };

    /// <summary>The caller's own account, or anyone's as an admin reads it.</summary>
    public static UserResponse Full(ChatUser user) => new(user.Id, user.UserName, user.Email, user.Gender, user.TimeZone, user.CreatedAt);

    /// <summary>Somebody else, as other people see them: no email.</summary>
    public static UserResponse Public(ChatUser user) => Full(user) with { Email = null };

    public static UserResponse For(ChatUser user, ClaimsPrincipal viewer) =>
        user.Id == viewer.UserId() || viewer.IsInRole(Roles.Admin) ? Full(user) : Public(user);
}

[Description("An account as the admin pages list it: roles, and whether an admin has locked it.")]
public sealed record AdminUserResponse(
    string Id, string Username, string Email, string? Gender, string TimeZone, DateTimeOffset CreatedAt, IReadOnlyList<string> Roles, bool LockedOut)
{
    public static AdminUserResponse From(ChatUser user, DateTimeOffset now) => new(
        user.Id, user.UserName, user.Email, user.Gender, user.TimeZone, user.CreatedAt, user.Roles, user.LockoutEnd > now);
}

[Description("Only the fields sent change. timeZone: an IANA id; an empty gender clears it.")]
public sealed record UpdateMeRequest(string? Email, string? TimeZone, string? Gender);

[Description("The current password, and the new one (at least 8 characters).")]
public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record ParticipantResponse(string Id, string Username);

public sealed record MessageSummaryResponse(string SenderId, string SenderName, string Content, DateTimeOffset Timestamp);

public sealed record ChatResponse(
    string Id,
    string? Title,
    IReadOnlyList<ParticipantResponse> Participants,
    MessageSummaryResponse? LastMessage,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    long UnreadCount,
    long Version,
    long MentionCount,
    [property: Description("The caller's notification level: all, mentions or none.")] string Notifications)
{
    public static ChatResponse From(Chat chat, string viewerId) => new(
        chat.Id,
        chat.Title,
        [.. chat.Participants.Select(p => new ParticipantResponse(p.UserId, p.UserName))],
        chat.LastMessage is { } last ? new MessageSummaryResponse(last.SenderId, last.SenderName, last.Content, last.Timestamp) : null,
        chat.CreatedAt,
        chat.LastActivityAt,
        chat.UnreadCountFor(viewerId),
        chat.Version,
        chat.MentionCountFor(viewerId),
        NotificationLevels.Name(chat.Participant(viewerId)?.Notifications ?? NotificationLevel.All));
}

public sealed record MessageResponse(
    string Id,
    string ChatId,
    long Seq,
    long Version,
    [property: Description("\"text\" for what people write, \"system\" for lines the server writes.")] string Kind,
    string SenderId,
    string SenderName,
    string Content,
    DateTimeOffset Timestamp,
    DateTimeOffset? EditedAt,
    bool Deleted,
    ReplyResponse? ReplyTo,
    IReadOnlyList<ParticipantResponse> Mentions,
    IReadOnlyList<ReactionResponse> Reactions,
    IReadOnlyList<AttachmentResponse> Attachments)
{
    /// <summary>As <paramref name="viewerId"/> sees it: <c>mine</c> on the reactions they added.</summary>
    public static MessageResponse From(Message m, string viewerId) => new(
        m.Id, m.ChatId, m.Seq, m.Version, m.Kind == MessageKind.System ? "system" : "text", m.SenderId, m.SenderName,
        m.Deleted ? "" : m.Content, m.Timestamp, m.EditedAt, m.Deleted,
        m.Deleted || m.ReplyTo is not { } reply ? null : new ReplyResponse(reply.Id, reply.Seq, reply.SenderName, reply.Excerpt),
        [.. m.Mentions.Select(x => new ParticipantResponse(x.UserId, x.UserName))],
        [.. m.Reactions.Select(r => new ReactionResponse(r.Reaction, r.Count, r.HasUser(viewerId), [.. r.Users.Select(u => u.UserName)]))],
        [.. m.Attachments.Select(AttachmentResponse.From)]);
}

[Description("A file: `url` serves its bytes (with the bearer token); an image has `width`, `height` and a `thumbnailUrl` (at most 400 px on the long side).")]
public sealed record AttachmentResponse(
    string Id,
    string FileName,
    string ContentType,
    long Size,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Height,
    string Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ThumbnailUrl)
{
    public static AttachmentResponse From(Attachment a) => new(
        a.Id, a.FileName, a.ContentType, a.Size, a.Width, a.Height, $"/api/attachments/{a.Id}", a.HasThumbnail ? $"/api/attachments/{a.Id}/thumbnail" : null);
}

public sealed record ReactionResponse(string Emoji, int Count, bool Mine, IReadOnlyList<string> Users);

[Description("The message replied to, as it reads now: at most 200 characters of its text, empty once it is deleted.")]
public sealed record ReplyResponse(string Id, long Seq, string SenderName, string Excerpt);

/// <summary>How a chat change is named on the event stream and the WebSocket.</summary>
public static class ChangeEvents
{
    public static string Name(Chats.ChangeKind kind) => kind switch
    {
        Chats.ChangeKind.MessagePosted => "message",
        Chats.ChangeKind.MessageUpdated => "message.updated",
        Chats.ChangeKind.MessageDeleted => "message.deleted",
        _ => "chat.updated",
    };
}

public sealed record MessagesResponse(
    IReadOnlyList<MessageResponse> Messages,
    bool HasMore,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("With around: whether there are newer messages after the page.")] bool? HasMoreAfter = null);

[Description("A new account. Username: 3 to 32 letters, digits, '.', '_' or '-'. Time zone: an IANA id, UTC when left out.")]
public sealed record RegisterRequest(string? Username, string? Email, string? Password, string? Gender, string? TimeZone);

[Description("Usernames of the other participants (the caller is added), and an optional title.")]
public sealed record CreateChatRequest(IReadOnlyList<string>? Participants, string? Title);

[Description("1 to 4000 characters after trimming; stored exactly as sent. replyTo: the id of a message of this chat to answer.")]
public sealed record SendMessageRequest(
    string? Content,
    string? ReplyTo = null,
    [property: Description("Ids of the caller's unsent uploads in this chat (POST …/attachments), at most 10; with files, content may be empty.")]
    IReadOnlyList<string>? Attachments = null);

[Description("The new text: 1 to 4000 characters after trimming, as for sending.")]
public sealed record EditMessageRequest(string? Content);

[Description("The chat's new title, 1 to 80 characters; empty or null takes the title away.")]
public sealed record RenameChatRequest(string? Title);

[Description("Usernames of the people to add.")]
public sealed record AddParticipantsRequest(IReadOnlyList<string?>? Usernames);

[Description("Someone else is typing in the chat (never stored, never replayed).")]
public sealed record TypingEvent(string ChatId, string UserId, string Username);

[Description("Someone who shares the chat came online or went offline (never stored as an event, never replayed).")]
public sealed record PresenceEvent(string UserId, string Username, bool Online, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? LastSeenAt)
{
    public static PresenceEvent From(Chats.PresenceChanged presence) => new(presence.UserId, presence.UserName, presence.Online, presence.LastSeenAt);
}

[Description("all: every message; mentions: messages that mention the caller; none: nothing.")]
public sealed record NotificationsRequest(string? Level);

[Description("Marks the caller's messages up to this seq as seen.")]
public sealed record ReadRequest(long? Seq);

public sealed record LoginRequest(string? Username, string? Password, [property: JsonPropertyName("grant_type")] string? GrantType);

/// <summary>RFC 6749 section 5.1: snake_case on purpose.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);

/// <summary>RFC 6749 section 5.2.</summary>
public sealed record OAuthErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>Writes times as API.md shows them: UTC with milliseconds and a Z.</summary>
public sealed class IsoUtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(TimeFormat.Iso(value));
}
