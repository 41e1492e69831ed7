using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HtmxChat.Web.Api;

/// <summary>Issues the API's bearer tokens and holds the key that signs and checks them.</summary>
public sealed class TokenService(IOptions<JwtOptions> options, IKeyStore keys, TimeProvider clock)
{
    public const string SecurityStampClaim = "stamp";
    private const string StoredKeyName = "jwt-signing-key";

    // PublicationOnly: a store that fails once (a blip at the first request) is asked again next time, not cached as failed.
    private readonly Lazy<SymmetricSecurityKey> _key = new(() => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(
        options.Value.SigningKey is { Length: > 0 } configured
            ? configured
            : keys.GetOrAddSecret(StoredKeyName, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64))))),
        LazyThreadSafetyMode.PublicationOnly);

    public SecurityKey SigningKey => _key.Value;

    public TimeSpan Lifetime => TimeSpan.FromMinutes(options.Value.LifetimeMinutes);

    /// <summary>A token for a new login session: <see cref="ClaimsPrincipalExtensions.SessionId"/> names it.</summary>
    public TokenResponse Issue(ChatUser user)
    {
        var now = clock.GetUtcNow();
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, user.Id),
            new(JwtRegisteredClaimNames.UniqueName, user.UserName),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            new(ClaimsPrincipalExtensions.SessionIdClaim, Guid.NewGuid().ToString("N")),
            new(SecurityStampClaim, user.SecurityStamp),
            new(ChatUserClaimsFactory.TimeZoneClaim, user.TimeZone),
        };
        claims.AddRange(user.Roles.Select(role => new Claim("role", role)));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = now.UtcDateTime,
            IssuedAt = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, "bearer", (long)Lifetime.TotalSeconds);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = options.Value.Issuer,
        ValidAudience = options.Value.Audience,
        IssuerSigningKeyResolver = (_, _, _, _) => [SigningKey],
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
    };
}
