using System.Globalization;
using System.Security.Claims;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Api;

/// <summary>Bearer tokens for /api: JWT validation, the stale-token check, and 401s as problem+json.</summary>
public static class ApiAuthentication
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;
    public const string Policy = "api";

    /// <summary>
    /// Endpoint metadata of a route that authenticates the bearer token itself (an event stream or the WebSocket:
    /// <see cref="Infrastructure.StreamAuthentication"/>), so the API document lists the scheme for it.
    /// </summary>
    public static readonly object AuthenticatedByEndpoint = new AuthenticatedByEndpointRoute();

    private sealed record AuthenticatedByEndpointRoute;

    /// <summary>The scheme that authenticates a request: the bearer token under /api, the browser's cookie elsewhere.</summary>
    private const string ByPath = "bearer-or-cookie";

    public static IServiceCollection AddApiAuthentication(this IServiceCollection services)
    {
        services.AddOptions<JwtOptions>().BindConfiguration("Jwt").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenService>();
        // Requests under /api are authenticated by their bearer token only: the browser's cookie is not read there
        // (its handler would run, find nothing and cost every API request and every open API stream).
        services.AddAuthentication(o => o.DefaultAuthenticateScheme = ByPath)
            .AddJwtBearer(Scheme)
            .AddPolicyScheme(ByPath, displayName: null, o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api") ? Scheme : IdentityConstants.ApplicationScheme);
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<TokenService, TimeProvider>((o, tokens, clock) =>
        {
            o.TokenValidationParameters = tokens.ValidationParameters();
            o.TokenHandlers.Clear();
            // JwtBearerOptions.MapInboundClaims reaches only the handler it made itself: this one is told directly.
            o.TokenHandlers.Add(new RememberingTokenHandler(clock) { MapInboundClaims = true });
            o.MapInboundClaims = true;
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ReadWebSocketToken,
                OnTokenValidated = CheckTokenAgainstAccountAsync,
                OnChallenge = WriteUnauthorizedProblemAsync,
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(AdminApi.Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(Roles.Admin));
        return services;
    }

    private static Task ReadWebSocketToken(MessageReceivedContext context)
    {
        // Browsers cannot set headers on a WebSocket handshake, so /api/ws/chat also takes ?access_token=.
        if (context.Request.Path.StartsWithSegments("/api/ws") && context.Request.Query["access_token"] is [{ Length: > 0 } token])
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A password change or an admin lock (<see cref="AccountService.LockAsync"/>) changes the security stamp: older tokens
    /// stop working (<see cref="SessionCheck"/>). The automatic lockout after failed logins does not, or anyone could cut off
    /// a person's API clients by guessing wrong five times. Roles are the account's now, not the token's.
    /// </summary>
    private static async Task CheckTokenAgainstAccountAsync(TokenValidatedContext context)
    {
        if (await SessionCheck.CurrentAsync(context.HttpContext, context.Principal, TokenService.SecurityStampClaim, keptSessionCounts: true) is { } current)
        {
            context.Principal = current;
        }
        else
        {
            context.Fail("The token is no longer valid.");
        }
    }

    /// <summary>When the caller's token expires (null without one); long-lived streams and sockets end then.</summary>
    public static DateTimeOffset? TokenExpires(ClaimsPrincipal caller) =>
        long.TryParse(caller.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : null;

    /// <summary>How long the caller's token has left.</summary>
    public static TimeSpan TokenTimeLeft(ClaimsPrincipal caller) =>
        TokenExpires(caller) is { } expires
            ? TimeSpan.FromSeconds(Math.Max(1, (expires - DateTimeOffset.UtcNow).TotalSeconds))
            : Timeout.InfiniteTimeSpan;

    private static async Task WriteUnauthorizedProblemAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = context.AuthenticateFailure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: context.AuthenticateFailure is null
                ? "Send a bearer token from POST /api/login in the Authorization header."
                : "The bearer token is invalid or has expired; log in again.").ExecuteAsync(context.HttpContext);
    }
}
