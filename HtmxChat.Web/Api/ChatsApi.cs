using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Api;

/// <summary>What the chat handlers need, bundled so each handler names only what it uses from HTTP.</summary>
public sealed record ChatsApiServices(ChatService Chats, IUserRepository Users, ClaimsPrincipal Caller)
{
    public string CallerId => Caller.UserId();
}

public static class ChatsApi
{
    public static IEndpointRouteBuilder MapChatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/chats").WithTags("Chats").RequireAuthorization(ApiAuthentication.Policy);
        api.MapGet("", ListAsync).WithName("ListChats").WithSummary("The caller's chats, most recent activity first");
        api.MapPost("", CreateAsync).WithName("CreateChat")
            .WithSummary("Start a chat")
            .WithDescription("The caller is added to `participants`. Two people without a title make a direct chat: if they already have one, it is returned with 200.");
        api.MapGet("/{chatId}", GetAsync).WithName("GetChat").WithSummary("One of the caller's chats");
        api.MapGet("/{chatId}/messages", MessagesAsync).WithName("ListMessages")
            .WithSummary("A page of messages, oldest first")
            .WithDescription("The newest `limit` (default 50, at most 100) before `before`, or the oldest after `after`, or those around `around` " +
                "(about half before it, with `hasMoreAfter`). `hasMore` says whether the page was cut short.");
        api.MapPost("/{chatId}/messages", SendAsync).WithName("SendMessage")
            .WithSummary("Send a message")
            .WithDescription("1 to 4000 characters after trimming, stored exactly as sent; with `attachments` (ids from uploading to this chat) the text may be empty. " +
                "400 for an attachment that is not the caller's unsent upload in this chat. Sending faster than the rate limit answers 429 with Retry-After.");
        api.MapPatch("/{chatId}/messages/{messageId}", EditAsync).WithName("EditMessage")
            .WithSummary("Edit one of the caller's messages")
            .WithDescription("The same content rules as sending. 403 for someone else's message or a system line, 409 for a deleted message.");
        api.MapDelete("/{chatId}/messages/{messageId}", DeleteAsync).WithName("DeleteMessage")
            .WithSummary("Delete a message")
            .WithDescription("The sender, or an admin, can delete a message; a tombstone (same id and seq, `deleted: true`, no text) stays in the log.");
        api.MapPut("/{chatId}/messages/{messageId}/reactions/{reaction}", AddReactionAsync).WithName("AddReaction")
            .WithSummary("Add the caller's reaction")
            .WithDescription("One emoji or a word of 1 to 16 characters, URL-encoded. Adding it again changes nothing.");
        api.MapDelete("/{chatId}/messages/{messageId}/reactions/{reaction}", RemoveReactionAsync).WithName("RemoveReaction")
            .WithSummary("Take back the caller's reaction");
        api.MapPatch("/{chatId}", RenameAsync).WithName("RenameChat")
            .WithSummary("Rename a group chat (an empty title takes it away)")
            .WithDescription("Any participant may. Everyone sees a system line and a `chat.updated` event. A direct chat has no title: 400. " +
                "Counts toward the sending limit (429).");
        api.MapPost("/{chatId}/participants", AddPeopleAsync).WithName("AddParticipants")
            .WithSummary("Add people to a group chat")
            .WithDescription("Any participant may; those already in are left as they are. They see the chat's history. " +
                "400 for an unknown username, a direct chat (start a group chat instead), or more than 51 people. Counts toward the sending limit (429).");
        api.MapDelete("/{chatId}/participants/{userId}", RemovePersonAsync).WithName("RemoveParticipant")
            .WithSummary("Remove someone from a group chat, or leave it (your own id)")
            .WithDescription("The chat's creator or an admin may remove anyone; others only themselves (403). " +
                "The person's streams of the chat end and the chat answers them 404 from then on.");
        api.MapPut("/{chatId}/notifications", SetNotificationsAsync).WithName("SetNotifications")
            .WithSummary("Set the caller's notification level for the chat: all, mentions or none");
        api.MapPost("/{chatId}/typing", TypingAsync).WithName("Typing")
            .WithSummary("Tell the others the caller is typing")
            .WithDescription("Nothing is stored: the others' streams get a `typing` event. Send it at most every 3 seconds while typing; it counts toward the sending limit (429).");
        api.MapPost("/{chatId}/read", ReadAsync).WithName("MarkRead").WithSummary("Mark the chat read up to a seq");
        // Outside the group's authorization, straight from routing, with its services taken once (StreamAuthentication).
        var events = ActivatorUtilities.CreateInstance<EventsEndpoint>(app.ServiceProvider);
        app.MapGet("/api/chats/{chatId}/events", events.StreamAsync).WithTags("Chats").WithName("ChatEvents")
            .WithSummary("The chat's changes as server-sent events")
            .WithDescription("`event: message` (or `message.updated`, `message.deleted`, `chat.updated`), `id: {version}`, `data: {Message or Chat}`. " +
                "Reconnect with `Last-Event-ID` (or `?after=`) to get every change after that version first, each changed item once in its current state. " +
                "A `: ping` comment comes at least every 30 s.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(ApiAuthentication.AuthenticatedByEndpoint)
            .ShortCircuit();
        return app;
    }

    private static async Task<Ok<ChatResponse[]>> ListAsync([AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        var chats = await s.Chats.ListChatsAsync(s.CallerId, ct);
        return TypedResults.Ok(chats.Select(c => ChatResponse.From(c, s.CallerId)).ToArray());
    }

    private static async Task<Results<Created<ChatResponse>, Ok<ChatResponse>, ValidationProblem>> CreateAsync(
        CreateChatRequest? request, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        if (request?.Participants is not { Count: > 0 } names)
        {
            return ApiProblems.Validation("participants", "Name at least one other person by username.");
        }
        var creator = await s.Users.FindByIdAsync(s.CallerId, ct);
        var result = await s.Chats.StartChatAsync(creator!, names, request.Title, ct);
        return result switch
        {
            StartChatResult.Started { Created: true } started => TypedResults.Created($"/api/chats/{started.Chat.Id}", ChatResponse.From(started.Chat, s.CallerId)),
            StartChatResult.Started existing => TypedResults.Ok(ChatResponse.From(existing.Chat, s.CallerId)),
            StartChatResult.Invalid invalid => ApiProblems.Validation(invalid.Field, invalid.Error),
            _ => throw new InvalidOperationException($"Unexpected {result}."),
        };
    }

    private static async Task<Results<Ok<ChatResponse>, ProblemHttpResult>> GetAsync(string chatId, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        await s.Chats.FindChatAsync(s.CallerId, chatId, ct) is { } chat ? TypedResults.Ok(ChatResponse.From(chat, s.CallerId)) : ApiProblems.NotFound();

    private static async Task<Results<Ok<ChatResponse>, ValidationProblem, ProblemHttpResult>> RenameAsync(
        string chatId, RenameChatRequest? request, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        if (request is null)
        {
            return ApiProblems.Validation("title", "Send a JSON body with the title.");
        }
        return Answer(await s.Chats.RenameAsync(s.CallerId, s.Caller.UserName(), chatId, request.Title, ct), s, response);
    }

    private static async Task<Results<Ok<ChatResponse>, ValidationProblem, ProblemHttpResult>> AddPeopleAsync(
        string chatId, AddParticipantsRequest? request, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        if (request?.Usernames is not { Count: > 0 } names)
        {
            return ApiProblems.Validation("usernames", "Name at least one person by username.");
        }
        return Answer(await s.Chats.AddPeopleAsync(s.CallerId, s.Caller.UserName(), chatId, names, ct), s, response);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemovePersonAsync(
        string chatId, string userId, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        await s.Chats.RemovePersonAsync(s.CallerId, s.Caller.UserName(), s.Caller.IsInRole(Roles.Admin), chatId, userId, ct) switch
        {
            ChatUpdateResult.Refused refused => ApiProblems.Refused(refused.Reason),
            _ => TypedResults.NoContent(),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> SetNotificationsAsync(
        string chatId, NotificationsRequest? request, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        await s.Chats.SetNotificationsAsync(s.CallerId, chatId, request?.Level, ct) is { } refused ? ApiProblems.Refused(refused) : TypedResults.NoContent();

    private static async Task<Results<NoContent, ProblemHttpResult>> TypingAsync(string chatId, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        await s.Chats.TypingAsync(s.CallerId, s.Caller.UserName(), chatId, ct) is { } refused ? ApiProblems.Refused(refused, response) : TypedResults.NoContent();

    private static Results<Ok<ChatResponse>, ValidationProblem, ProblemHttpResult> Answer(ChatUpdateResult result, ChatsApiServices s, HttpResponse response) => result switch
    {
        ChatUpdateResult.Updated updated => TypedResults.Ok(ChatResponse.From(updated.Chat, s.CallerId)),
        ChatUpdateResult.Refused refused => ApiProblems.Refused(refused.Reason, response),
        _ => throw new InvalidOperationException($"Unexpected {result}."),
    };

    private static async Task<Results<Ok<MessagesResponse>, ValidationProblem, ProblemHttpResult>> MessagesAsync(
        string chatId, long? before, long? after, long? around, int? limit, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        if (ChatService.ValidatePaging(before, after, limit, around) is { } invalid)
        {
            return ApiProblems.Validation(invalid.Field, invalid.Error);
        }
        if (around is { } seq)
        {
            return await s.Chats.FindChatAsync(s.CallerId, chatId, ct) is { } chat
                && await s.Chats.GetMessagesAroundAsync(s.CallerId, chat, seq, limit ?? ChatService.DefaultPageSize, ct) is { } window
                ? TypedResults.Ok(new MessagesResponse([.. window.Messages.Select(m => MessageResponse.From(m, s.CallerId))], window.HasMoreBefore, window.HasMoreAfter))
                : ApiProblems.NotFound();
        }
        var page = await s.Chats.GetMessagesAsync(s.CallerId, chatId, before, after, limit ?? ChatService.DefaultPageSize, ct);
        return page is null
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new MessagesResponse([.. page.Messages.Select(m => MessageResponse.From(m, s.CallerId))], page.HasMore));
    }

    private static async Task<Results<Created<MessageResponse>, ValidationProblem, ProblemHttpResult>> SendAsync(
        string chatId, SendMessageRequest? request, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        return await s.Chats.SendAsync(s.CallerId, s.Caller.UserName(), chatId, request?.Content, request?.ReplyTo, request?.Attachments, ct) switch
        {
            ChatResult.Done sent => TypedResults.Created($"/api/chats/{chatId}/messages?after={sent.Message.Seq - 1}&limit=1", MessageResponse.From(sent.Message, s.CallerId)),
            ChatResult.Invalid invalid => ApiProblems.Validation(invalid.Field, invalid.Detail),
            var refused => ApiProblems.Refused((ChatResult.Refused)refused, response),
        };
    }

    private static async Task<Results<Ok<MessageResponse>, ValidationProblem, ProblemHttpResult>> EditAsync(
        string chatId, string messageId, EditMessageRequest? request, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        MessageOrProblem(await s.Chats.EditAsync(s.CallerId, chatId, messageId, request?.Content, ct), response, s.CallerId);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string chatId, string messageId, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        await s.Chats.DeleteAsync(s.CallerId, s.Caller.IsInRole(Roles.Admin), chatId, messageId, ct) switch
        {
            ChatResult.Done => TypedResults.NoContent(),
            var refused => ApiProblems.Refused((ChatResult.Refused)refused, response),
        };

    private static async Task<Results<Ok<MessageResponse>, ValidationProblem, ProblemHttpResult>> AddReactionAsync(
        string chatId, string messageId, string reaction, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        MessageOrProblem(await s.Chats.ReactAsync(s.CallerId, s.Caller.UserName(), chatId, messageId, reaction, on: true, ct), response, s.CallerId);

    private static async Task<Results<Ok<MessageResponse>, ValidationProblem, ProblemHttpResult>> RemoveReactionAsync(
        string chatId, string messageId, string reaction, HttpResponse response, [AsParameters] ChatsApiServices s, CancellationToken ct) =>
        MessageOrProblem(await s.Chats.ReactAsync(s.CallerId, s.Caller.UserName(), chatId, messageId, reaction, on: false, ct), response, s.CallerId);

    private static Results<Ok<MessageResponse>, ValidationProblem, ProblemHttpResult> MessageOrProblem(ChatResult result, HttpResponse response, string viewerId) =>
        result switch
        {
            ChatResult.Done done => TypedResults.Ok(MessageResponse.From(done.Message, viewerId)),
            ChatResult.Invalid invalid => ApiProblems.Validation(invalid.Field, invalid.Detail),
            var refused => ApiProblems.Refused((ChatResult.Refused)refused, response),
        };

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ReadAsync(
        string chatId, ReadRequest? request, [AsParameters] ChatsApiServices s, CancellationToken ct)
    {
        if (request?.Seq is not >= 0)
        {
            return ApiProblems.Validation("seq", "Send the seq of the newest message seen (0 or more).");
        }
        return await s.Chats.MarkReadAsync(s.CallerId, chatId, request.Seq.Value, ct) ? TypedResults.NoContent() : ApiProblems.NotFound();
    }

    private sealed class EventsEndpoint(StreamAuthentication authentication, ChatService chats, ChatFeed feed, IOptions<JsonOptions> json)
    {
        private readonly JsonSerializerOptions serializer = json.Value.SerializerOptions;

        public async Task<IResult> StreamAsync(string chatId, long? after, HttpContext http)
        {
            if (await authentication.AuthenticateAsync(http, ApiAuthentication.Scheme, Caller.Of) is not var (callerId, endsAt))
            {
                return Results.Empty;
            }
            if (await chats.FindChatAsync(callerId, chatId, http.RequestAborted) is not { } chat)
            {
                return ApiProblems.NotFound();
            }
            var sink = new EventsSink(EventStream.For(http), chat.Id, callerId, serializer);
            var end = await feed.RunAsync(new FeedRequest(callerId, Transport.Api)
            {
                Chat = chat,
                ResumeAfter = EventStream.ResumePoint(http.Request, after),
                // The stream ends when the token does; the client logs in again and resumes with Last-Event-ID.
                EndsAt = endsAt,
            }, sink, http.RequestAborted);
            if (end is FeedEnd.Lagged or FeedEnd.Stalled)
            {
                http.Abort();
            }
            return Results.Empty;
        }

        /// <summary>What a stream keeps of whoever opened it: who, and when their token expires.</summary>
        private sealed record Caller(string Id, DateTimeOffset? EndsAt)
        {
            public static Caller Of(ClaimsPrincipal principal) => new(principal.UserId(), ApiAuthentication.TokenExpires(principal));
        }
    }

    /// <summary>One chat's changes as <c>event: {kind}</c>, <c>id: {version}</c>, <c>data: {Message or Chat}</c>.</summary>
    private sealed class EventsSink(EventStream stream, string chatId, string viewerId, JsonSerializerOptions serializer) : IFeedSink
    {
        // A message reads the same to every participant, so its frame is made once; a Chat carries the viewer's unread count.
        private static readonly FrameCache<ChatChange, string> Frames = new();

        private static readonly FrameCache<ChatEvent, string> EphemeralFrames = new();

        public async ValueTask<bool> WriteAsync(ChatEvent chatEvent, CancellationToken ct)
        {
            if (chatEvent is PresenceChanged presence && presence.ChatIds.Contains(chatId))
            {
                await stream.WriteAsync(await EphemeralFrames.GetAsync(presence, "", () =>
                    EventStream.FrameAsync("presence", JsonSerializer.Serialize(PresenceEvent.From(presence), serializer))), ct);
                return true;
            }
            if (chatEvent is ChatTyping typing && typing.ChatId == chatId)
            {
                await stream.WriteAsync(await EphemeralFrames.GetAsync(typing, "", () =>
                    EventStream.FrameAsync("typing", JsonSerializer.Serialize(new TypingEvent(typing.ChatId, typing.UserId, typing.UserName), serializer))), ct);
                return true;
            }
            if (chatEvent is not ChatChange change || change.ChatId != chatId)
            {
                return false;
            }
            if (change.Kind == ChangeKind.ChatUpdated)
            {
                // The system line first, as a message without an id: the chat.updated after it carries the version.
                if (change.Message is { } line)
                {
                    await stream.WriteAsync(await Frames.GetAsync(change, SystemLine, () =>
                        EventStream.FrameAsync(ChangeEvents.Name(ChangeKind.MessagePosted), JsonSerializer.Serialize(MessageResponse.From(line, viewerId), serializer))), ct);
                }
                await stream.WriteAsync(await Frames.GetAsync(change, viewerId, (Sink: this, Change: change), static s => s.Sink.ChatFrame(s.Change)), ct);
                return true;
            }
            // Viewers who added none of its reactions (most) share a frame; the others share one per set of their own.
            await stream.WriteAsync(await Frames.GetAsync(change, change.Message!.ReactionsOf(viewerId), (Sink: this, Change: change), static s => s.Sink.MessageFrame(s.Change)), ct);
            return true;
        }

        /// <summary>The cache's variant for a change's system line, which reads the same to everyone (no viewer id looks like it).</summary>
        private const string SystemLine = "system-line";

        public ValueTask OpenAsync(CancellationToken ct) => stream.OpenAsync(ct);

        public ValueTask FlushAsync(CancellationToken ct) => stream.FlushAsync(ct);

        public ValueTask HeartbeatAsync(CancellationToken ct) => stream.PingAsync(ct);

        private Task<byte[]> ChatFrame(ChatChange change) => Frame(change, ChatResponse.From(change.Chat, viewerId));

        private Task<byte[]> MessageFrame(ChatChange change) => Frame(change, MessageResponse.From(change.Message!, viewerId));

        private Task<byte[]> Frame<T>(ChatChange change, T data) =>
            EventStream.FrameAsync(ChangeEvents.Name(change.Kind), JsonSerializer.Serialize(data, serializer), change.Version);
    }
}
