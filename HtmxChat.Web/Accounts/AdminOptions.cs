using Microsoft.Extensions.Configuration;

namespace HtmxChat.Web.Accounts;

/// <summary>The seed's admin variables: when <c>ADMIN_USER</c> is set, that admin account exists after start-up.</summary>
public sealed class AdminOptions
{
    [ConfigurationKeyName("ADMIN_USER")] public string? User { get; set; }
    [ConfigurationKeyName("ADMIN_PASS")] public string? Pass { get; set; }
    [ConfigurationKeyName("ADMIN_EMAIL")] public string? Email { get; set; }
    [ConfigurationKeyName("ADMIN_GENDER")] public string? Gender { get; set; }
    [ConfigurationKeyName("ADMIN_TIMEZONE")] public string? TimeZone { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(User);
}
