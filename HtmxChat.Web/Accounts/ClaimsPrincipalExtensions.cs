using System.Security.Claims;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Accounts;

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not signed in.");

    public static string UserName(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "";

    /// <summary>One id per sign-in, shared by the tabs of that browser; logging out closes the streams that carry it.</summary>
    public static string? SessionId(this ClaimsPrincipal user) => user.FindFirstValue(SessionIdClaim);

    public const string SessionIdClaim = "sid";

    public static TimeZoneInfo TimeZone(this ClaimsPrincipal user) => TimeZones.Find(user.FindFirstValue(ChatUserClaimsFactory.TimeZoneClaim));
}
