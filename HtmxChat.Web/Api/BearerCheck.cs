using HtmxChat.Web.Accounts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HtmxChat.Web.Api;

/// <summary>
/// The bearer scheme's check, made by an endpoint that the authentication middleware does not run for (a route that
/// short-circuits): the scheme's own token handler and validation parameters, the same account check
/// (<see cref="SessionCheck"/>) and the same 401. It is for the event stream. What the framework's authentication
/// makes for a request (the handlers, two tickets, the principal and the features that hold them, about 3 KB) lives
/// as long as the request, and a stream is a request that stays open for hours: of this check the stream keeps the
/// caller's id and the token's expiry.
/// </summary>
public sealed class BearerCheck(IOptionsMonitor<JwtBearerOptions> schemes, AccountCache accounts)
{
    /// <summary>Endpoint metadata: the endpoint makes this check itself, so the API document lists the bearer scheme for it.</summary>
    public static readonly object Made = new BearerCheckMade();

    private sealed record BearerCheckMade;

    public async Task<BearerCheckResult> CheckAsync(HttpContext http)
    {
        if (TokenOf(http.Request) is not { } token)
        {
            return new BearerCheckResult.Refused(ApiAuthentication.Unauthorized(invalidToken: false));
        }
        var scheme = schemes.Get(ApiAuthentication.Scheme);
        foreach (var handler in scheme.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(token, scheme.TokenValidationParameters);
            if (result is { IsValid: true, ClaimsIdentity: { } identity }
                && await SessionCheck.CurrentAsync(accounts, new(identity), TokenService.SecurityStampClaim, keptSessionCounts: true, http.RequestAborted) is { } caller)
            {
                return new BearerCheckResult.Passed(caller.UserId(), ApiAuthentication.TokenExpires(caller));
            }
        }
        return new BearerCheckResult.Refused(ApiAuthentication.Unauthorized(invalidToken: true));
    }

    /// <summary>The token of <c>Authorization: Bearer {token}</c>, as the bearer scheme reads it.</summary>
    private static string? TokenOf(HttpRequest request)
    {
        const string Prefix = "Bearer ";
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && authorization[Prefix.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;
    }
}

public abstract record BearerCheckResult
{
    private BearerCheckResult() { }

    /// <param name="Expires">When the token expires: a stream ends then.</param>
    public sealed record Passed(string UserId, DateTimeOffset? Expires) : BearerCheckResult;

    /// <summary>The 401 to answer with.</summary>
    public sealed record Refused(IResult Answer) : BearerCheckResult;
}
