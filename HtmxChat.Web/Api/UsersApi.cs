using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
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
        api.MapPatch("/me", UpdateMeAsync).WithName("UpdateMe").WithSummary("Change the caller's email, time zone or gender")
            .WithDescription("Answers 409 when the email belongs to another account.");
        api.MapPost("/me/password", ChangePasswordAsync).WithName("ChangePassword").WithSummary("Change the caller's password")
            .WithDescription("Every other token and browser session of the account ends, with its streams and sockets; the token that asked stays valid.");
        api.MapGet("/users", SearchAsync).WithName("SearchUsers").WithSummary("Users whose username starts with `search` (at most 20, without regard to case)");
        api.MapGet("/users/{userId}", GetAsync).WithName("GetUser").WithSummary("One user");
        api.MapGet("/users/{userId}/chats", ChatsOfAsync).WithName("GetUserChats")
            .WithSummary("The chats of a user (the seed's GET /chats/{user_id})")
            .WithDescription("Only that user or an admin may ask: anyone else gets 403.");
        return app;
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal caller, IUserRepository users, IPresenceDirectory presence, CancellationToken ct) =>
        await users.FindByIdAsync(caller.UserId(), ct) is { } user
            ? TypedResults.Ok(UserResponse.Full(user).WithPresence(await presence.OnlineAmongAsync([user.Id]), user))
            : ApiProblems.NotFound("user");

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> UpdateMeAsync(
        UpdateMeRequest? request, ClaimsPrincipal caller, UserManager<ChatUser> users, AccountService accounts)
    {
        if (request is null)
        {
            return ApiProblems.Validation("body", "Send a JSON body with email, timeZone or gender.");
        }
        if (await users.FindByIdAsync(caller.UserId()) is not { } user)
        {
            return ApiProblems.NotFound("user");
        }
        var result = await accounts.UpdateProfileAsync(user, new ProfileInput(request.Email, request.TimeZone, request.Gender));
        return result.User is { } updated ? TypedResults.Ok(UserResponse.Full(updated)) : ApiProblems.Account(result);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest? request, ClaimsPrincipal caller, UserManager<ChatUser> users, AccountService accounts)
    {
        if (request is null)
        {
            return ApiProblems.Validation("body", "Send a JSON body with currentPassword and newPassword.");
        }
        if (await users.FindByIdAsync(caller.UserId()) is not { } user)
        {
            return ApiProblems.NotFound("user");
        }
        var result = await accounts.ChangePasswordAsync(user, request.CurrentPassword, request.NewPassword, caller.SessionId());
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.Account(result);
    }

    /// <summary>Usernames as the search box shows them, with presence: other people's email stays private.</summary>
    private static async Task<Ok<UserResponse[]>> SearchAsync(
        string? search, IUserRepository users, ILookupNormalizer normalizer, IPresenceDirectory presence, CancellationToken ct)
    {
        var prefix = normalizer.NormalizeName(search?.Trim() ?? "");
        var found = await users.SearchByUserNamePrefixAsync(prefix, SearchLimit, ct);
        var online = await presence.OnlineAmongAsync([.. found.Select(u => u.Id)]);
        return TypedResults.Ok(found.Select(u => UserResponse.Public(u).WithPresence(online, u)).ToArray());
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetAsync(
        string userId, ClaimsPrincipal caller, IUserRepository users, IPresenceDirectory presence, CancellationToken ct) =>
        await users.FindByIdAsync(userId, ct) is { } user
            ? TypedResults.Ok(UserResponse.For(user, caller).WithPresence(await presence.OnlineAmongAsync([user.Id]), user))
            : ApiProblems.NotFound("user");

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
