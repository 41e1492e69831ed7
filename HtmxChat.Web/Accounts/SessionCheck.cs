using System.Security.Claims;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Accounts;

/// <summary>
/// Every request's check of a browser session or a bearer token against the stored account, so that a lock, a password
/// change and a role change take effect at once rather than when a cookie or token next renews.
/// <list type="bullet">
/// <item>The principal's security stamp must be the account's. A password change stamps the account with
/// <c>{random}:{session id}</c> (<see cref="KeepingSession"/>): the one session that made the change stays valid
/// (a browser by being signed in again, an API token by its session id).</item>
/// <item>Roles and time zone are read from the account, not from what the cookie or token carried when issued.</item>
/// </list>
/// </summary>
public static class SessionCheck
{
    public static string KeepingSession(string newStamp, string? sessionId) =>
        sessionId is { Length: > 0 } ? $"{newStamp}:{sessionId}" : newStamp;

    /// <param name="keptSessionCounts">
    /// For bearer tokens: the token of the session that changed the password stays valid (the API answers 204, with no
    /// new token to give). A browser session that changed it is signed in again with the new stamp, so for cookies only
    /// the exact stamp counts, and copies of the old cookie die with every other session.
    /// </param>
    private static bool IsCurrent(ClaimsPrincipal principal, ChatUser user, string stampClaim, bool keptSessionCounts)
    {
        var stamp = principal.FindFirst(stampClaim)?.Value;
        if (stamp == user.SecurityStamp)
        {
            return true;
        }
        var session = principal.SessionId();
        return keptSessionCounts && session is { Length: > 0 } && user.SecurityStamp.EndsWith(":" + session, StringComparison.Ordinal);
    }

    /// <summary>
    /// The principal as the stored account has it now (current roles and time zone; the same instance when nothing
    /// differs), or null when the account is gone or the principal's stamp is not current.
    /// </summary>
    public static async Task<ClaimsPrincipal?> CurrentAsync(HttpContext http, ClaimsPrincipal? principal, string stampClaim, bool keptSessionCounts)
    {
        var user = principal?.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
            ? await http.RequestServices.GetRequiredService<AccountCache>().FindAsync(id, http.RequestAborted)
            : null;
        return user is not null && IsCurrent(principal!, user, stampClaim, keptSessionCounts) ? WithCurrentClaims(principal!, user) : null;
    }

    private static ClaimsPrincipal WithCurrentClaims(ClaimsPrincipal principal, ChatUser user)
    {
        if (principal.Identity is not ClaimsIdentity identity)
        {
            return principal;
        }
        var roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).Order(StringComparer.Ordinal);
        var zone = identity.FindFirst(ChatUserClaimsFactory.TimeZoneClaim)?.Value;
        if (roles.SequenceEqual(user.Roles.Order(StringComparer.Ordinal)) && zone == user.TimeZone)
        {
            return principal;
        }
        var refreshed = identity.Clone();
        foreach (var claim in refreshed.FindAll(c => c.Type == identity.RoleClaimType || c.Type == ChatUserClaimsFactory.TimeZoneClaim).ToList())
        {
            refreshed.RemoveClaim(claim);
        }
        refreshed.AddClaims(user.Roles.Select(role => new Claim(identity.RoleClaimType, role)));
        refreshed.AddClaim(new Claim(ChatUserClaimsFactory.TimeZoneClaim, user.TimeZone));
        return new ClaimsPrincipal(refreshed);
    }

    /// <summary>The browser cookie's check, in place of Identity's interval-based security-stamp validator.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var stampClaim = context.HttpContext.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        var current = await CurrentAsync(context.HttpContext, context.Principal, stampClaim, keptSessionCounts: false);
        if (current is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
        }
        else if (!ReferenceEquals(current, context.Principal))
        {
            context.ReplacePrincipal(current);
            context.ShouldRenew = true;
        }
    }
}
