using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Models;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Live;

/// <summary>
/// <c>GET /chats/events</c>: one stream per browser tab. It carries new messages of the chat open in the tab
/// (<c>chat-message</c>, id = seq, HTML fragments that htmx appends) and updates for the chat list
/// (<c>chat-activity</c>, <c>chat-unread</c>, <c>chat-started</c>: out-of-band fragments).
/// </summary>
public static class BrowserStream
{
    public const string MessageEvent = "chat-message";
    public const string ActivityEvent = "chat-activity";
    public const string UnreadEvent = "chat-unread";
    public const string StartedEvent = "chat-started";

    public static IEndpointRouteBuilder MapBrowserStream(this IEndpointRouteBuilder app)
    {
        app.MapGet("/chats/events", StreamAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> StreamAsync(
        HttpContext context, string? open, long? after, ChatService chats, ChatHub hub, FragmentRenderer renderer, ReadMarkerWriter readMarkers, IOptions<ChatOptions> options)
    {
        var user = context.User;
        var userId = user.UserId();
        var ct = context.RequestAborted;
        var openChat = open is null ? null : await chats.FindChatAsync(userId, open, ct);
        if (open is not null && openChat is null)
        {
            return Results.NotFound();
        }

        var (lastSeq, resuming) = EventStream.ResumePoint(context.Request, after);
        var zone = user.TimeZone();
        using var subscription = hub.Subscribe(userId, user.SessionId());
        var stream = await EventStream.StartAsync(context, TimeSpan.FromSeconds(2));

        // Subscribed before reading the store, so a message stored in between arrives live and is not lost.
        if (openChat is not null && resuming)
        {
            var before = lastSeq;
            lastSeq = await ReplayAsync(stream, chats, renderer, userId, openChat, lastSeq, zone, ct);
            if (lastSeq > before)
            {
                // What a reconnecting tab catches up on, it has seen.
                readMarkers.Seen(userId, openChat.Id, lastSeq);
            }
        }

        long readUpTo = 0;
        await stream.PumpAsync(subscription, async chatEvent =>
        {
            switch (chatEvent)
            {
                case MessagePosted posted when posted.Chat.Id == openChat?.Id:
                    if (posted.Message.Seq > lastSeq)
                    {
                        await stream.WriteAsync(await MessageFrame(posted, zone, renderer), ct);
                        lastSeq = posted.Message.Seq;
                        readUpTo = posted.Message.SenderId == userId ? readUpTo : lastSeq;
                    }
                    await stream.WriteAsync(await ActivityFrame(posted, zone, renderer), ct);
                    break;
                case MessagePosted posted:
                    await stream.WriteAsync(await ActivityFrame(posted, zone, renderer), ct);
                    var unread = posted.Chat.UnreadCountFor(userId);
                    await stream.WriteAsync(await posted.Frame($"{UnreadEvent}:{unread}", () => UnreadFrame(posted.Chat.Id, unread)), ct);
                    break;
                case ChatRead read:
                    await stream.WriteAsync(await UnreadFrame(read.ChatId, read.ChatId == openChat?.Id ? 0 : read.Unread), ct);
                    break;
                case ChatStarted started:
                    var row = await renderer.RenderAsync("~/Views/Chats/_ChatStarted.cshtml", new ChatRowView(started.Chat, userId, zone, Active: false));
                    await stream.WriteAsync(await EventStream.FrameAsync(StartedEvent, row), ct);
                    break;
            }
        },
        () =>
        {
            // Seeing a message in the open chat reads it.
            if (readUpTo > 0)
            {
                readMarkers.Seen(userId, openChat!.Id, readUpTo);
                readUpTo = 0;
            }
            return Task.CompletedTask;
        },
        TimeSpan.FromSeconds(options.Value.HeartbeatSeconds), ct);
        return Results.Empty;
    }

    private static async Task<long> ReplayAsync(
        EventStream stream, ChatService chats, FragmentRenderer renderer, string userId, Chat chat, long lastSeq, TimeZoneInfo zone, CancellationToken ct)
    {
        await foreach (var message in chats.MessagesAfterAsync(userId, chat, lastSeq, ct))
        {
            var html = await renderer.RenderAsync("~/Views/Chats/_Message.cshtml", new MessageView(message, zone));
            await stream.WriteAsync(await EventStream.FrameAsync(MessageEvent, html, message.Seq), ct);
            lastSeq = message.Seq;
        }
        await stream.FlushAsync(ct);
        return lastSeq;
    }

    /// <summary>The message fragment, rendered and framed once per time zone however many streams show it.</summary>
    private static Task<byte[]> MessageFrame(MessagePosted posted, TimeZoneInfo zone, FragmentRenderer renderer) =>
        posted.Frame($"{MessageEvent}:{zone.Id}", async () => await EventStream.FrameAsync(
            MessageEvent, await renderer.RenderAsync("~/Views/Chats/_Message.cshtml", new MessageView(posted.Message, zone)), posted.Message.Seq));

    private static Task<byte[]> ActivityFrame(MessagePosted posted, TimeZoneInfo zone, FragmentRenderer renderer) =>
        posted.Frame($"{ActivityEvent}:{zone.Id}", async () => await EventStream.FrameAsync(
            ActivityEvent, await renderer.RenderAsync("~/Views/Chats/_ChatPreview.cshtml", new ChatPreviewView(posted.Chat.Id, posted.Chat.LastMessage, zone, OutOfBand: true))));

    /// <summary>Per viewer, but many viewers share a count: for a message, each count's frame is made once (see its caller).</summary>
    private static Task<byte[]> UnreadFrame(string chatId, long unread) =>
        EventStream.FrameAsync(UnreadEvent, ChatFragments.UnreadBadgeHtml(chatId, unread, outOfBand: true));
}
