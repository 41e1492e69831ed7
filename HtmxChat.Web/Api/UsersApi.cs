using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Api;

public static class UsersApi
{
    public const int SearchLimit = 20;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Users").RequireAuthorization(ApiAuthentication.Policy);
        api.MapGet("/me", MeAsync).WithName("GetMe").WithSummary("The caller's account");
        api.MapGet("/users", SearchAsync).WithName("SearchUsers").WithSummary("Users whose username starts with `search` (at most 20, without regard to case)");
        api.MapGet("/users/{userId}", GetAsync).WithName("GetUser").WithSummary("One user");
        api.MapGet("/users/{userId}/chats", ChatsOfAsync).WithName("GetUserChats")
            .WithSummary("The chats of a user (the seed's GET /chats/{user_id})")
            .WithDescription("Only that user or an admin may ask: anyone else gets 403.");
        return app;
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal caller, IUserRepository users, CancellationToken ct) =>
        await users.FindByIdAsync(caller.UserId(), ct) is { } user ? TypedResults.Ok(UserResponse.From(user)) : ApiProblems.NotFound("user");

    private static async Task<Ok<UserResponse[]>> SearchAsync(string? search, IUserRepository users, ILookupNormalizer normalizer, CancellationToken ct)
    {
        var prefix = normalizer.NormalizeName(search?.Trim() ?? "");
        var found = await users.SearchByUserNamePrefixAsync(prefix, SearchLimit, ct);
        return TypedResults.Ok(found.Select(UserResponse.From).ToArray());
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(string userId, IUserRepository users, CancellationToken ct) =>
        await users.FindByIdAsync(userId, ct) is { } user ? TypedResults.Ok(UserResponse.From(user)) : ApiProblems.NotFound("user");

    private static async Task<Results<Ok<ChatResponse[]>, ProblemHttpResult>> ChatsOfAsync(
        string userId, ClaimsPrincipal caller, IUserRepository users, ChatService chats, CancellationToken ct)
    {
        if (userId != caller.UserId() && !caller.IsInRole(Roles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only that user or an admin may list these chats.");
        }
        if (await users.FindByIdAsync(userId, ct) is null)
        {
            return ApiProblems.NotFound("user");
        }
        var list = await chats.ListChatsAsync(userId, ct);
        return TypedResults.Ok(list.Select(c => ChatResponse.From(c, userId)).ToArray());
    }
}
