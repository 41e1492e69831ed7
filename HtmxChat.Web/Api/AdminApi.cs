using System.Security.Claims;
using HtmxChat.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HtmxChat.Web.Api;

public static class AdminApi
{
    public const string Policy = "api-admin";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(Policy);
        api.MapGet("/users", ListAsync).WithName("AdminListUsers")
            .WithSummary("Accounts whose username starts with `search` (at most 100), with roles and lock state");
        api.MapPost("/users/{userId}/lock", (string userId, ClaimsPrincipal caller, Administration admin) => AnswerAsync(admin.LockAsync(caller.UserId(), userId)))
            .WithName("AdminLockUser").WithSummary("Lock an account")
            .WithDescription("The account's tokens, sessions, streams and sockets end at once, on every instance. " +
                "409 for the caller's own account and for the account set by ADMIN_USER.");
        api.MapPost("/users/{userId}/unlock", (string userId, ClaimsPrincipal caller, Administration admin) => AnswerAsync(admin.UnlockAsync(caller.UserId(), userId)))
            .WithName("AdminUnlockUser").WithSummary("Unlock an account");
        api.MapPut("/users/{userId}/roles/admin", (string userId, ClaimsPrincipal caller, Administration admin) => AnswerAsync(admin.SetAdminAsync(caller.UserId(), userId, true)))
            .WithName("AdminGrantAdmin").WithSummary("Make an account an admin, at once for its existing tokens and sessions");
        api.MapDelete("/users/{userId}/roles/admin", (string userId, ClaimsPrincipal caller, Administration admin) => AnswerAsync(admin.SetAdminAsync(caller.UserId(), userId, false)))
            .WithName("AdminRevokeAdmin").WithSummary("Take the admin role away, at once for the account's existing tokens and sessions")
            .WithDescription("409 for the caller's own account and for the account set by ADMIN_USER.");
        return app;
    }

    private static async Task<Ok<AdminUserResponse[]>> ListAsync(string? search, Administration admin, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return TypedResults.Ok((await admin.ListAsync(search, ct)).Select(u => AdminUserResponse.From(u, now)).ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AnswerAsync(Task<AdminResult> action) => await action switch
    {
        AdminResult.Done => TypedResults.NoContent(),
        AdminResult.Refused refused => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: refused.Detail),
        _ => ApiProblems.NotFound("user"),
    };
}
