using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HtmxChat.Web.Api;

/// <summary>
/// The bearer-token check with a memory. A client sends the same token with every request and every reconnect;
/// parsing it and checking its signature each time is most of what authenticating a request costs. What is
/// remembered is only that this exact token, signature and all, passed: until it expires it passes again without
/// being checked again. Nothing else is skipped: the account check (<see cref="Accounts.SessionCheck"/>) runs on every
/// request, so a password change or a lock still ends the token at once.
/// </summary>
public sealed class RememberingTokenHandler(TimeProvider clock) : JsonWebTokenHandler
{
    // Past this many tokens the memory starts over rather than track which were used least lately.
    private const int MaxTokens = 10_000;

    private readonly ConcurrentDictionary<string, Passed> _passed = new(StringComparer.Ordinal);

    private sealed record Passed(ClaimsIdentity Identity, SecurityToken Token, string? Issuer, string? TokenType, DateTime Until);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_passed.TryGetValue(token, out var passed))
        {
            if (clock.GetUtcNow().UtcDateTime < passed.Until)
            {
                // Each request gets its own copy: whatever one request does to its principal stays its own.
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = passed.Identity.Clone(),
                    SecurityToken = passed.Token,
                    Issuer = passed.Issuer,
                    TokenType = passed.TokenType,
                };
            }
            _passed.TryRemove(token, out _);
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, ClaimsIdentity: { } identity, SecurityToken: { } validated })
        {
            if (_passed.Count >= MaxTokens)
            {
                _passed.Clear();
            }
            var kept = Kept(identity);
            // Until the token's own expiry, without the clock skew the full check allows past it.
            _passed[token] = new Passed(kept, validated, result.Issuer, result.TokenType, validated.ValidTo);
            result.ClaimsIdentity = kept.Clone();
        }
        return result;
    }

    /// <summary>
    /// Claims of how the token was made, checked by the validation and read by nothing after it: not carried by every
    /// request's principal, nor kept by every open stream. Its expiry stays: streams end with it.
    /// </summary>
    private static readonly HashSet<string> TokenMadeClaims = new(StringComparer.Ordinal)
    {
        JwtRegisteredClaimNames.Iss, JwtRegisteredClaimNames.Aud, JwtRegisteredClaimNames.Nbf, JwtRegisteredClaimNames.Iat, JwtRegisteredClaimNames.Jti,
    };

    /// <summary>
    /// The identity with the claims that say who the caller is, each with its type and value only. The inbound claim
    /// mapping tags each claim it renamed with its short JWT name, in a dictionary per claim that every request's copy
    /// (and every open stream) would carry again.
    /// </summary>
    private static ClaimsIdentity Kept(ClaimsIdentity identity) => new(
        identity.Claims.Where(c => !TokenMadeClaims.Contains(c.Type)).Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer)),
        identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);
}
