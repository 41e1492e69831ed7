using System.ComponentModel.DataAnnotations;

namespace HtmxChat.Web.Api;

/// <summary>Bound from the <c>Jwt</c> section.</summary>
public sealed class JwtOptions
{
    [Required]
    public string Issuer { get; set; } = "htmxchat";

    [Required]
    public string Audience { get; set; } = "htmxchat-api";

    /// <summary>HS256 key, at least 32 bytes of text. When empty, a key is generated once and kept in the store, shared by every instance.</summary>
    [MinLength(32, ErrorMessage = "Jwt:SigningKey must be at least 32 characters (256 bits) long.")]
    public string? SigningKey { get; set; }

    [Range(1, 24 * 60)]
    public int LifetimeMinutes { get; set; } = 60;
}
