using System.Security.Claims;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Accounts;

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not signed in.");

    public static string UserName(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "";

    /// <summary>
    /// One id per sign-in (shared by the tabs of that browser) or per bearer token login; logging out closes the streams
    /// that carry it, and a password change keeps it signed in.
    /// </summary>
    public static string? SessionId(this ClaimsPrincipal user) =>
        user.FindFirstValue(SessionIdClaim) ?? user.FindFirstValue(ClaimTypes.Sid); // the second: a bearer token's, as the JWT handler maps it

    public const string SessionIdClaim = "sid";

    public static TimeZoneInfo TimeZone(this ClaimsPrincipal user) => TimeZones.Find(user.FindFirstValue(ChatUserClaimsFactory.TimeZoneClaim));
}
