using System.Security.Claims;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Accounts;

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not signed in.");

    public static string UserName(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "";

    public static TimeZoneInfo TimeZone(this ClaimsPrincipal user) => TimeZones.Find(user.FindFirstValue(ChatUserClaimsFactory.TimeZoneClaim));
}
