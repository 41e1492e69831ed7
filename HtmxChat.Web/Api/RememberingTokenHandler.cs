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
            // Until the token's own expiry, without the clock skew the full check allows past it.
            _passed[token] = new Passed(Remembered(identity), validated, result.Issuer, result.TokenType, validated.ValidTo);
        }
        return result;
    }

    /// <summary>
    /// The identity with its claims' types and values only. The inbound claim mapping tags each claim it renamed with
    /// its short JWT name, in a dictionary per claim that every request's copy (and every open stream) would carry again.
    /// </summary>
    private static ClaimsIdentity Remembered(ClaimsIdentity identity) => new(
        identity.Claims.Select(c => new Claim(c.Type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer)),
        identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);
}
