using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Models;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Ui;

/// <summary>
/// <c>GET /chats/events</c>: one stream per browser tab, the live feed as HTML fragments. It carries the changes of the
/// chat open in the tab (<c>chat-message</c>, id = chat version, fragments that htmx appends) and updates for the chat
/// list (<c>chat-activity</c>, <c>chat-unread</c>, <c>chat-started</c>: out-of-band fragments); <c>chat-updated</c>
/// renames and changes of people (header, people, list row), or takes a chat away from someone removed from it.
/// </summary>
public static class BrowserStream
{
    public const string MessageEvent = "chat-message";
    public const string ActivityEvent = "chat-activity";
    public const string UnreadEvent = "chat-unread";
    public const string StartedEvent = "chat-started";
    public const string MessageChangedEvent = "chat-message-changed";
    public const string MentionsEvent = "chat-mentions";
    public const string UpdatedEvent = "chat-updated";
    public const string TypingEvent = "chat-typing";
    public const string PresenceEvent = "chat-presence";
    public const string NotifyEvent = "chat-notify";
    public const string NotificationsEvent = "chat-notifications";
    public const string HeaderEvent = "chat-header";
    public const string RemovedEvent = "chat-removed";

    // Every viewer in one time zone sees the same fragment, and many viewers share an unread count.
    private static readonly FrameCache<ChatChange, Variant> ZoneFrames = new();
    private static readonly FrameCache<ChatChange, long> UnreadFrames = new();
    private static readonly FrameCache<ChatChange, long> MentionFrames = new();
    private static readonly FrameCache<ChatEvent, string> EphemeralFrames = new();

    /// <summary>
    /// Which of a change's fragments, and for whom: <paramref name="Zone"/> (times are shown in the viewer's zone),
    /// <paramref name="Detail"/> (the viewer's own reactions, or whom an untitled chat is named for) and
    /// <paramref name="Flag"/> (a shared stream, or the active row). A value, so asking for a frame allocates nothing.
    /// </summary>
    private readonly record struct Variant(string Event, string? Zone = null, string? Detail = null, bool Flag = false);

    public static IEndpointRouteBuilder MapBrowserStream(this IEndpointRouteBuilder app)
    {
        // Straight from routing, with its services taken once (StreamAuthentication).
        var streams = ActivatorUtilities.CreateInstance<Endpoint>(app.ServiceProvider);
        app.MapGet("/chats/events", streams.StreamAsync).ShortCircuit().ExcludeFromDescription();
        return app;
    }

    private sealed class Endpoint(StreamAuthentication authentication, ChatService chats, ChatFeed feed, FragmentRenderer renderer, ReadMarkerWriter readMarkers)
    {
        /// <param name="open">The one chat a tab shows: its changes come with <c>id: {version}</c>.</param>
        /// <param name="follow">
        /// The stream a browser's tabs share (site.js): <c>chatId:after,chatId:after,…</c>, each chat followed exactly from its
        /// own version, with <c>id: {chatId}:{version}</c> so each tab takes its own chat's events. Chats the person is no
        /// longer in are left out rather than refused: the tab that showed one was told already.
        /// </param>
        public async Task<IResult> StreamAsync(HttpContext context, string? open, long? after, string? follow)
        {
            if (await authentication.AuthenticateAsync(context, IdentityConstants.ApplicationScheme, Reader.Of) is not var (userId, sessionId, timeZone))
            {
                return Results.Empty;
            }
            List<FollowedChat> followed = [];
            if (follow is not null)
            {
                if (ParseFollow(follow) is not { } wanted)
                {
                    return Results.BadRequest();
                }
                foreach (var (chatId, resumeAfter) in wanted)
                {
                    if (await chats.FindChatAsync(userId, chatId, context.RequestAborted) is { } chat)
                    {
                        followed.Add(new FollowedChat(chat, resumeAfter));
                    }
                }
            }
            else if (open is not null)
            {
                if (await chats.FindChatAsync(userId, open, context.RequestAborted) is not { } openChat)
                {
                    return Results.NotFound();
                }
                followed.Add(new FollowedChat(openChat, EventStream.ResumePoint(context.Request, after)));
            }

            var sink = new Sink(EventStream.For(context), renderer, readMarkers, userId, followed.Select(f => f.ChatId).ToHashSet(StringComparer.Ordinal), Shared: follow is not null, timeZone)
            {
                // The shared stream changes hands when its tab navigates or closes; badges that changed meanwhile are put right.
                ListNow = follow is null ? null : ct => chats.ListChatsAsync(userId, ct),
            };
            var end = await feed.RunAsync(new FeedRequest(userId, Transport.Browser) { SessionId = sessionId, Follow = followed, OutlivesRemoval = follow is not null }, sink, context.RequestAborted);
            if (end is FeedEnd.Lagged or FeedEnd.Stalled)
            {
                // The client is not reading: drop the connection rather than wait on it. EventSource reconnects and resumes.
                context.Abort();
            }
            return Results.Empty;
        }

        /// <summary>What a stream keeps of whoever opened it: who, from which signed-in browser, in which time zone.</summary>
        private sealed record Reader(string Id, string? SessionId, TimeZoneInfo TimeZone)
        {
            public static Reader Of(ClaimsPrincipal principal) => new(principal.UserId(), principal.SessionId(), principal.TimeZone());
        }
    }

    public const int MaxFollowed = 50;

    /// <summary><c>chatId:after</c> pairs (an empty after: from what happens next); null when malformed or too many.</summary>
    internal static List<(string ChatId, long? After)>? ParseFollow(string follow)
    {
        var pairs = new List<(string, long?)>();
        foreach (var item in follow.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.IndexOf(':');
            var chatId = colon < 0 ? item : item[..colon];
            var afterText = colon < 0 ? "" : item[(colon + 1)..];
            if (chatId.Length is 0 or > 64)
            {
                return null;
            }
            if (afterText.Length == 0)
            {
                pairs.Add((chatId, null));
            }
            else if (long.TryParse(afterText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var after))
            {
                pairs.Add((chatId, after));
            }
            else
            {
                return null;
            }
        }
        return pairs.Count <= MaxFollowed ? [.. pairs.DistinctBy(p => p.Item1)] : null;
    }

    /// <param name="Followed">The chats whose messages this stream carries (a tab's open chat; with <paramref name="Shared"/>, every tab's).</param>
    private sealed class Sink(
        EventStream stream, FragmentRenderer renderer, ReadMarkerWriter readMarkers, string userId, IReadOnlySet<string> Followed, bool Shared, TimeZoneInfo zone)
        : IFeedSink
    {
        private readonly Dictionary<string, long> _seenUpTo = new(StringComparer.Ordinal);

        /// <summary>A tab's own stream names versions; the shared one says whose, so each tab takes its own chat's.</summary>
        private string Id(ChatChange change) =>
            Shared ? $"{change.ChatId}:{change.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : change.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private void Seen(string chatId, long seq) => _seenUpTo[chatId] = Math.Max(_seenUpTo.GetValueOrDefault(chatId), seq);

        public async ValueTask<bool> WriteAsync(ChatEvent chatEvent, CancellationToken ct)
        {
            switch (chatEvent)
            {
                case ChatChange { Kind: ChangeKind.MessagePosted, Message: { } message } change when Followed.Contains(change.ChatId):
                    await stream.WriteAsync(await MessageFrame(change, message), ct);
                    await stream.WriteAsync(await ActivityFrame(change), ct);
                    await WriteNotifyAsync(change, message, ct);
                    // Seeing a message in the open chat reads it.
                    Seen(change.ChatId, message.Seq);
                    return true;
                case ChatChange { Kind: ChangeKind.MessageUpdated or ChangeKind.MessageDeleted, Message: { } changed } change when Followed.Contains(change.ChatId):
                    await stream.WriteAsync(await MessageFrame(change, changed), ct);
                    await WritePreviewIfNewestAsync(change, changed, ct);
                    return true;
                case ChatChange { Kind: ChangeKind.MessageUpdated or ChangeKind.MessageDeleted, Message: { } changed } change:
                    await WritePreviewIfNewestAsync(change, changed, ct);
                    // An edit can add or remove a mention of this person, a deletion take one away.
                    var mentionCount = change.Chat.MentionCountFor(userId);
                    await stream.WriteAsync(await MentionFrames.GetAsync(change, mentionCount, (change.ChatId, mentionCount), static s => MentionFrame(s.ChatId, s.mentionCount)), ct);
                    return true;
                case ChatChange { Kind: ChangeKind.MessagePosted, Message: { } posted } change:
                    await stream.WriteAsync(await ActivityFrame(change), ct);
                    await WriteNotifyAsync(change, posted, ct);
                    var unread = change.Chat.UnreadCountFor(userId);
                    await stream.WriteAsync(await UnreadFrames.GetAsync(change, unread, (change.ChatId, unread), static s => UnreadFrame(s.ChatId, s.unread)), ct);
                    var mentions = change.Chat.MentionCountFor(userId);
                    await stream.WriteAsync(await MentionFrames.GetAsync(change, mentions, (change.ChatId, mentions), static s => MentionFrame(s.ChatId, s.mentions)), ct);
                    return true;
                case ChatRead read:
                    var stillUnread = Followed.Contains(read.ChatId) ? 0 : read.Unread;
                    await stream.WriteAsync(await UnreadFrame(read.ChatId, stillUnread), ct);
                    if (stillUnread == 0)
                    {
                        await stream.WriteAsync(await MentionFrame(read.ChatId, 0), ct);
                    }
                    return true;
                case ChatChange { Kind: ChangeKind.ChatUpdated } change when change.Removes(userId):
                    await WriteRemovedAsync(change, ct);
                    return true;
                case ChatChange { Kind: ChangeKind.ChatUpdated } change when change.AddedUserIds.Contains(userId):
                    await stream.WriteAsync(await EventStream.FrameAsync(StartedEvent, await renderer.RenderAsync(
                        "~/Views/Chats/_ChatStarted.cshtml", new ChatRowView(change.Chat, userId, zone, Active: false))), ct);
                    return true;
                case ChatChange { Kind: ChangeKind.ChatUpdated } change:
                    await WriteUpdatedAsync(change, ct);
                    return true;
                case ChatTyping typing when Followed.Contains(typing.ChatId):
                    // Shown by site.js, which also takes it away after a few seconds or when that person's message arrives.
                    await stream.WriteAsync(await EphemeralFrames.GetAsync(typing, "", () => EventStream.FrameAsync(TypingEvent,
                        System.Text.Json.JsonSerializer.Serialize(new { chatId = typing.ChatId, userId = typing.UserId, username = typing.UserName }))), ct);
                    return true;
                case NotificationsSet set:
                    await stream.WriteAsync(await EventStream.FrameAsync(NotificationsEvent,
                        System.Text.Json.JsonSerializer.Serialize(new { chatId = set.ChatId, level = NotificationLevels.Name(set.Level) })), ct);
                    return true;
                case PresenceChanged presence:
                    // Applied by site.js to every dot and status of that person on the page.
                    await stream.WriteAsync(await EphemeralFrames.GetAsync(presence, "", () => EventStream.FrameAsync(PresenceEvent,
                        System.Text.Json.JsonSerializer.Serialize(new { userId = presence.UserId, online = presence.Online, lastSeenAt = presence.LastSeenAt }))), ct);
                    return true;
                case ChatStarted started:
                    var row = await renderer.RenderAsync("~/Views/Chats/_ChatStarted.cshtml", new ChatRowView(started.Chat, userId, zone, Active: false));
                    await stream.WriteAsync(await EventStream.FrameAsync(StartedEvent, row), ct);
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>With it, the stream starts with every chat's unread and mention badges as they are now.</summary>
        public Func<CancellationToken, Task<IReadOnlyList<Chat>>>? ListNow { get; init; }

        public async ValueTask OpenAsync(CancellationToken ct)
        {
            await stream.OpenAsync(ct);
            if (ListNow is null)
            {
                return;
            }
            foreach (var chat in await ListNow(ct))
            {
                var unread = Followed.Contains(chat.Id) ? 0 : chat.UnreadCountFor(userId);
                await stream.WriteAsync(await UnreadFrame(chat.Id, unread), ct);
                await stream.WriteAsync(await MentionFrame(chat.Id, Followed.Contains(chat.Id) ? 0 : chat.MentionCountFor(userId)), ct);
            }
            await stream.FlushAsync(ct);
        }

        public async ValueTask FlushAsync(CancellationToken ct)
        {
            await stream.FlushAsync(ct);
            foreach (var (chatId, seq) in _seenUpTo)
            {
                readMarkers.Seen(userId, chatId, seq);
            }
            _seenUpTo.Clear();
        }

        public ValueTask HeartbeatAsync(CancellationToken ct) => stream.PingAsync(ct);

        /// <summary>
        /// A new message is appended; a changed one replaces itself out of band. Made once per time zone and set of the
        /// viewer's own reactions (for most viewers: none), however many streams show it.
        /// </summary>
        private Task<byte[]> MessageFrame(ChatChange change, Message message)
        {
            var eventType = change.Kind is ChangeKind.MessagePosted or ChangeKind.ChatUpdated ? MessageEvent : MessageChangedEvent;
            return ZoneFrames.GetAsync(change, new Variant(eventType, zone.Id, message.ReactionsOf(userId), Shared), (Sink: this, Change: change, Message: message, EventType: eventType),
                static s => s.Sink.RenderMessageFrameAsync(s.Change, s.Message, s.EventType));
        }

        private async Task<byte[]> RenderMessageFrameAsync(ChatChange change, Message message, string eventType) => await EventStream.FrameAsync(
            eventType,
            await renderer.RenderAsync("~/Views/Chats/_Message.cshtml", new MessageView(message, zone, userId, OutOfBand: eventType == MessageChangedEvent, ForStream: true)),
            Id(change));

        /// <summary>
        /// What a desktop notification needs, the same for every viewer: site.js decides from the viewer's level for the
        /// chat, whether it is their own message or mentions them, and whether any of their tabs is in view.
        /// </summary>
        private async Task WriteNotifyAsync(ChatChange change, Message message, CancellationToken ct)
        {
            // What people wrote; a system line replayed as a plain message (an older rename) is not news to notify of.
            if (message.Kind == MessageKind.Text)
            {
                await stream.WriteAsync(await NotifyFrame(change, message), ct);
            }
        }

        private static Task<byte[]> NotifyFrame(ChatChange change, Message message) =>
            ZoneFrames.GetAsync(change, new Variant(NotifyEvent), message, static message => EventStream.FrameAsync(NotifyEvent, System.Text.Json.JsonSerializer.Serialize(new
            {
                chatId = message.ChatId,
                seq = message.Seq,
                senderId = message.SenderId,
                body = Notification.Body(message),
                mentions = message.Mentions.Select(m => m.UserId),
            })));

        private Task<byte[]> ActivityFrame(ChatChange change) =>
            ZoneFrames.GetAsync(change, new Variant(ActivityEvent, zone.Id), (Sink: this, Change: change), static s => s.Sink.RenderActivityFrameAsync(s.Change));

        private async Task<byte[]> RenderActivityFrameAsync(ChatChange change) => await EventStream.FrameAsync(
            ActivityEvent, await renderer.RenderAsync("~/Views/Chats/_ChatPreview.cshtml",
                new ChatPreviewView(change.ChatId, change.Chat.LastMessage, zone, OutOfBand: true, Moves: change.Kind is ChangeKind.MessagePosted or ChangeKind.ChatUpdated)));

        /// <summary>
        /// A rename or a change of people: the system line in the open chat's log, the header and people out of band, and
        /// the list row's name and preview. The header depends on the viewer only where an untitled chat is named after
        /// the others; Remove buttons are in every copy, shown by the layout's viewer-keyed rules.
        /// </summary>
        private async Task WriteUpdatedAsync(ChatChange change, CancellationToken ct)
        {
            var open = Followed.Contains(change.ChatId);
            if (change.Message is { } line)
            {
                if (open)
                {
                    await stream.WriteAsync(await MessageFrame(change, line), ct);
                    Seen(change.ChatId, line.Seq);
                }
                await stream.WriteAsync(await ActivityFrame(change), ct);
            }
            // The row, for every tab; the header and people, for the tab that shows the chat.
            var namedFor = change.Chat.Title is null ? userId : "";
            var active = open && !Shared;
            await stream.WriteAsync(await ZoneFrames.GetAsync(change, new Variant(UpdatedEvent, Detail: namedFor, Flag: active), async () => await EventStream.FrameAsync(UpdatedEvent,
                await renderer.RenderAsync("~/Views/Chats/_ChatLink.cshtml", new ChatRowView(change.Chat, userId, zone, Active: active, OutOfBand: true)))), ct);
            if (open)
            {
                await stream.WriteAsync(await ZoneFrames.GetAsync(change, new Variant(HeaderEvent, Detail: namedFor, Flag: Shared), async () => await EventStream.FrameAsync(HeaderEvent,
                    await renderer.RenderAsync("~/Views/Chats/_ChatUpdated.cshtml", new ChatHeaderView(change.Chat, userId, new ChatDetailsForm(), OutOfBand: true)),
                    change.Message is null ? Id(change) : null)), ct);
            }
            else
            {
                var unread = change.Chat.UnreadCountFor(userId);
                await stream.WriteAsync(await UnreadFrames.GetAsync(change, unread, (change.ChatId, unread), static s => UnreadFrame(s.ChatId, s.unread)), ct);
            }
        }

        /// <summary>Taken out of a chat: its row goes; if it is open, its log ends with the line that says so and the form with a notice.</summary>
        private async Task WriteRemovedAsync(ChatChange change, CancellationToken ct)
        {
            var open = Followed.Contains(change.ChatId);
            if (open && change.Message is { } line)
            {
                await stream.WriteAsync(await MessageFrame(change, line), ct);
            }
            await stream.WriteAsync(await EventStream.FrameAsync(UpdatedEvent, ChatFragments.RemovedRowHtml(change.ChatId)), ct);
            if (open)
            {
                await stream.WriteAsync(await EventStream.FrameAsync(RemovedEvent, ChatFragments.NoLongerInChatHtml, Shared ? $"{change.ChatId}:" : null), ct);
            }
        }

        /// <summary>The list's preview shows the newest message: only a change to that one changes it.</summary>
        private async Task WritePreviewIfNewestAsync(ChatChange change, Message changed, CancellationToken ct)
        {
            if (changed.Seq == change.Chat.LastSeq)
            {
                await stream.WriteAsync(await ActivityFrame(change), ct);
            }
        }

        private static Task<byte[]> UnreadFrame(string chatId, long unread) =>
            EventStream.FrameAsync(UnreadEvent, ChatFragments.UnreadBadgeHtml(chatId, unread, outOfBand: true));

        private static Task<byte[]> MentionFrame(string chatId, long mentions) =>
            EventStream.FrameAsync(MentionsEvent, ChatFragments.MentionBadgeHtml(chatId, mentions, outOfBand: true));
    }
}
