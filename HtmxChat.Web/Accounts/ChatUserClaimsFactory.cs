using System.Security.Claims;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Accounts;

public sealed class ChatUserClaimsFactory(UserManager<ChatUser> userManager, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ChatUser>(userManager, options)
{
    public const string TimeZoneClaim = "tz";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ChatUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaims(user.Roles.Select(role => new Claim(Options.ClaimsIdentity.RoleClaimType, role)));
        identity.AddClaim(new Claim(TimeZoneClaim, user.TimeZone));
        return identity;
    }
}
