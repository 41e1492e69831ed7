using HtmxChat.Tests.Infrastructure;
using System.Security.Claims;
using HtmxChat.Web.Api;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.Options;

namespace HtmxChat.Tests.Api;

/// <summary>A bearer token checked once is remembered until it expires, and never shared between requests.</summary>
public sealed class RememberingTokenHandlerTests
{
    private readonly ManualClock _clock = new();
    private readonly TokenService _tokens;
    private readonly RememberingTokenHandler _handler;

    public RememberingTokenHandlerTests()
    {
        _tokens = new TokenService(Options.Create(new JwtOptions { SigningKey = new string('k', 48) }), new NoKeys(), _clock);
        _handler = new RememberingTokenHandler(_clock) { MapInboundClaims = true };
    }

    private string Token() => _tokens.Issue(new ChatUser { UserName = "ada", SecurityStamp = "stamp" }).AccessToken;

    [Fact]
    public async Task ATokenThatPassedPassesAgainFromMemoryEachTimeWithItsOwnIdentity()
    {
        var token = Token();

        var first = await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters());
        var second = await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal("ada", second.ClaimsIdentity.FindFirst(ClaimTypes.Name)?.Value ?? second.ClaimsIdentity.FindFirst("unique_name")?.Value);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.NotSame(second.ClaimsIdentity, (await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters())).ClaimsIdentity);
    }

    [Fact]
    public async Task ATokenGivesWhoTheCallerIsAndUntilWhenTheSameFromMemoryWithoutHowTheTokenWasMadeOrTheMappingsNotes()
    {
        var token = Token();
        var plain = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { MapInboundClaims = true }.ValidateTokenAsync(token, _tokens.ValidationParameters());

        var checkedInFull = await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters());
        var remembered = await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters());

        var expected = plain.ClaimsIdentity.Claims.Where(c => c.Type is not ("iss" or "aud" or "nbf" or "iat" or "jti")).Select(c => (c.Type, c.Value, c.Issuer)).ToList();
        Assert.Contains(expected, c => c.Type == ClaimTypes.NameIdentifier);
        Assert.Contains(expected, c => c.Type == "exp");
        Assert.Equal(expected, checkedInFull.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value, c.Issuer)));
        Assert.Equal(expected, remembered.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value, c.Issuer)));
        Assert.Equal(plain.ClaimsIdentity.Name, remembered.ClaimsIdentity.Name);
        Assert.Equal(plain.ClaimsIdentity.AuthenticationType, remembered.ClaimsIdentity.AuthenticationType);
        Assert.Contains(plain.ClaimsIdentity.Claims, c => c.Properties.Count > 0);
        Assert.All(checkedInFull.ClaimsIdentity.Claims.Concat(remembered.ClaimsIdentity.Claims), c => Assert.Empty(c.Properties));
    }

    [Fact]
    public async Task AfterItsExpiryATokenIsCheckedInFullAgain()
    {
        var token = Token();
        var first = await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters());
        Assert.Same(first.SecurityToken, (await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters())).SecurityToken);

        _clock.Advance(_tokens.Lifetime);

        Assert.NotSame(first.SecurityToken, (await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters())).SecurityToken);
    }

    [Fact]
    public async Task AChangedTokenIsNotTakenForTheOneThatPassed()
    {
        var token = Token();
        Assert.True((await _handler.ValidateTokenAsync(token, _tokens.ValidationParameters())).IsValid);

        var forged = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");

        Assert.False((await _handler.ValidateTokenAsync(forged, _tokens.ValidationParameters())).IsValid);
    }

    private sealed class NoKeys : IKeyStore
    {
        public string GetOrAddSecret(string name, string candidate) => candidate;
        public IReadOnlyList<string> GetDataProtectionKeys() => [];
        public void AddDataProtectionKey(string name, string xml) { }
    }
}
