using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HtmxChat.Web.Api;

public sealed record SearchChatResponse(string Id, string? Title, IReadOnlyList<ParticipantResponse> Participants);

public sealed record SearchResultResponse(MessageResponse Message, SearchChatResponse Chat, string Snippet);

public sealed record SearchResponse(IReadOnlyList<SearchResultResponse> Results, string? Next);

public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync).RequireAuthorization(ApiAuthentication.Policy).WithTags("Search").WithName("Search")
            .WithSummary("Messages matching words, newest first, in the caller's chats")
            .WithDescription("Words must all match (the last one also as the start of a word); \"quoted phrases\" and -excluded words work; " +
                "other punctuation is plain text. `snippet` is HTML-escaped except the `<mark>` around each match. Pass `next` as `before` for the next page.");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse>, ValidationProblem, ProblemHttpResult>> SearchAsync(
        string? q, string? chatId, string? before, int? limit, ClaimsPrincipal caller, HttpResponse response, ChatService chats, CancellationToken ct)
    {
        var (page, refusal) = await chats.SearchAsync(caller.UserId(), q, chatId, before, limit ?? ChatService.DefaultSearchPageSize, ct);
        if (refusal is ChatResult.Invalid invalid)
        {
            return ApiProblems.Validation(invalid.Field, invalid.Detail);
        }
        if (refusal is not null)
        {
            return ApiProblems.Refused(refusal, response);
        }
        var viewer = caller.UserId();
        return TypedResults.Ok(new SearchResponse(
            [.. page!.Hits.Select(hit => new SearchResultResponse(
                MessageResponse.From(hit.Message, viewer),
                new SearchChatResponse(hit.Chat.Id, hit.Chat.Title, [.. hit.Chat.Participants.Select(p => new ParticipantResponse(p.UserId, p.UserName))]),
                hit.SnippetHtml))],
            page.Next));
    }
}
