using System.Globalization;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Models;

/// <summary>
/// One message as viewers in <see cref="Zone"/> see it. The only thing in it that depends on who is looking is which
/// reactions are the viewer's own; own-message actions are shown by a CSS rule keyed on the sender id.
/// </summary>
/// <param name="ForStream">
/// Rendered once for the event stream and shared: its forms carry no antiforgery token (one would belong to no one);
/// htmx sends the page's token in a header instead.
/// </param>
public sealed record MessageView(Message Message, TimeZoneInfo Zone, string ViewerId, bool OutOfBand = false, bool ForStream = false, bool Highlight = false)
{
    public static readonly IReadOnlyList<string> Palette = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

    public string Base => $"/chats/{Message.ChatId}/messages/{Message.Id}";

    /// <summary>The text, encoded, with each mention wrapped in a span (no whitespace added: the text keeps its own).</summary>
    public Microsoft.AspNetCore.Html.IHtmlContent TextHtml
    {
        get
        {
            var html = new System.Text.StringBuilder();
            foreach (var (text, mention) in Segments(Message))
            {
                var encoded = System.Text.Encodings.Web.HtmlEncoder.Default.Encode(text);
                html.Append(mention ? $"<span class=\"mention\">{encoded}</span>" : encoded);
            }
            return new Microsoft.AspNetCore.Html.HtmlString(html.ToString());
        }
    }

    /// <summary>The text cut into plain runs and the mentions stored with it, read as they were when stored (<see cref="HtmxChat.Web.Chats.MentionText"/>).</summary>
    public static IEnumerable<(string Text, bool Mention)> Segments(Message message)
    {
        var at = 0;
        var mentions = message.Mentions.Count == 0 ? []
            : HtmxChat.Web.Chats.MentionText.Find(message.Content, name => message.Mentions.FirstOrDefault(m => m.UserName.Equals(name, StringComparison.OrdinalIgnoreCase)));
        foreach (var (index, length, _) in mentions)
        {
            if (index > at)
            {
                yield return (message.Content[at..index], false);
            }
            yield return (message.Content.Substring(index, length), true);
            at = index + length;
        }
        if (at < message.Content.Length)
        {
            yield return (message.Content[at..], false);
        }
    }
}

/// <summary>A message with its text replaced by the edit form, or by the question whether to delete it.</summary>
public sealed record MessageFormView(MessageView Message, string? Content = null, string? Error = null);

public sealed record ChatRowView(Chat Chat, string ViewerId, TimeZoneInfo Zone, bool Active, bool OutOfBand = false)
{
    public string Title => Chat.TitleFor(ViewerId);
    public long Unread => Active ? 0 : Chat.UnreadCountFor(ViewerId);
    public ChatPreviewView Preview => new(Chat.Id, Chat.LastMessage, Zone, OutOfBand: false);
}

/// <summary>The last-message line of a chat-list row; <see cref="OutOfBand"/> when the stream updates an existing row.</summary>
/// <param name="Moves">A new message: the row moves to the top of the list (an edit or a deletion only changes its text).</param>
public sealed record ChatPreviewView(string ChatId, MessageSummary? Last, TimeZoneInfo Zone, bool OutOfBand, bool Moves = false);

/// <summary>A page of the conversation: a link to older messages when there are any, then the messages.</summary>
/// <param name="Newer">A page below the ones shown (the conversation was opened at a message): its link to more comes after it.</param>
public sealed record MessagesPageView(string ChatId, MessagePage Page, TimeZoneInfo Zone, string ViewerId, bool Newer = false, long? Highlight = null);

public sealed class StartChatForm
{
    public string? Participants { get; set; }
    public string? Title { get; set; }
}

/// <param name="Pending">Files uploaded for this message and not sent yet (kept when a send is refused).</param>
/// <param name="FileError">Why a file was refused, shown beside <c>Attach file</c>.</param>
public sealed record SendFormView(string ChatId, string? Content = null, string? Error = null, ReplyRef? ReplyTo = null)
{
    public IReadOnlyList<Attachment> Pending { get; init; } = [];
    public string? FileError { get; init; }
}

/// <summary>
/// The open chat's header and Chat details panel, as the page shows them (with everyone's <paramref name="Presence"/>)
/// or as a live update (<paramref name="OutOfBand"/>; site.js fills in presence it already knows).
/// </summary>
public sealed record ChatHeaderView(Chat Chat, string ViewerId, ChatDetailsForm Form, bool OutOfBand = false, IReadOnlyDictionary<string, PersonPresence>? Presence = null)
{
    public PersonPresence? PresenceOf(string userId) => Presence?.GetValueOrDefault(userId);

    /// <summary>The other person of a direct chat, whose presence its header shows.</summary>
    public ChatParticipant? OtherInDirectChat => Chat.DirectKey is null ? null : Chat.Participants.Find(p => p.UserId != ViewerId);
}

public sealed record PersonPresence(bool Online, DateTimeOffset? LastSeenAt)
{
    /// <summary>What a screen reader hears and the direct chat header shows: <c>online</c>, or <c>last seen 27 Nov, 17:39</c>.</summary>
    public string Describe(TimeZoneInfo zone) =>
        Online ? "online" : LastSeenAt is { } seen ? $"last seen {TimeFormat.Short(seen, zone)}" : "offline";
}

/// <summary>What was typed in the Chat details forms, kept when the page comes back with an error beside a field.</summary>
public sealed record ChatDetailsForm(string? Title = null, string? Usernames = null, bool Open = false)
{
    public const string TitleField = "ChatTitle";
    public const string PeopleField = "AddPeople";
}

public sealed record ChatPageView(
    IReadOnlyList<Chat> Chats,
    string ViewerId,
    TimeZoneInfo Zone,
    StartChatForm StartChat,
    Chat? Open = null,
    MessagePage? Messages = null,
    SendFormView? SendForm = null,
    bool ShowingOlder = false,
    long? At = null,
    bool HasNewer = false,
    ChatDetailsForm? Details = null)
{
    /// <summary>The open chat's people: online or not, and when last seen.</summary>
    public IReadOnlyDictionary<string, PersonPresence>? Presence { get; init; }

    /// <summary>
    /// The tab's stream, resuming after the chat version read before its messages: a change stored while the page was
    /// being made is replayed rather than lost (and dropped by the page if it already shows it).
    /// </summary>
    public string StreamUrl => Open is null || ShowingOlder
        ? "/chats/events"
        : $"/chats/events?open={Open.Id}&after={Open.Version.ToString(CultureInfo.InvariantCulture)}";
}

public static class TimeFormat
{
    /// <summary>ISO 8601 UTC with milliseconds, as API.md writes times.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Absolute, so a fragment rendered once stays true for every viewer in the zone at any later time.</summary>
    public static string Short(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("d MMM, HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The calendar day in the zone, for day separators (<c>2026-11-27</c>).</summary>
    public static string Day(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string DayLabel(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("dddd d MMMM yyyy", CultureInfo.InvariantCulture);

    public static string Full(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("dddd d MMMM yyyy, HH:mm:ss", CultureInfo.InvariantCulture) + $" ({zone.Id})";
}

public sealed record SearchPageView(string? Query, HtmxChat.Web.Chats.SearchPage? Results, string ViewerId, TimeZoneInfo Zone, string? Error = null);

/// <summary>How a file shows in a message or in the send form: its size in words, and its thumbnail's box.</summary>
public static class AttachmentDisplay
{
    public static string Size(Attachment a) => Attachments.AttachmentService.Describe(a.Size);

    public static string Label(Attachment a) => FileTypes.Label(a.ContentType, a.FileName);

    /// <summary>The thumbnail's size in pixels (the image scaled to fit its long side), so the log does not jump as it loads.</summary>
    public static (int Width, int Height) ThumbnailBox(Attachment a)
    {
        var (w, h) = (a.Width ?? 1, a.Height ?? 1);
        var scale = Math.Min(1.0, (double)Attachments.ImageProbe.ThumbnailEdge / Math.Max(w, h));
        return (Math.Max(1, (int)Math.Round(w * scale)), Math.Max(1, (int)Math.Round(h * scale)));
    }
}
