using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Accounts;

/// <summary>Makes the account named by the <c>ADMIN_*</c> variables exist, with those values and the Admin role.</summary>
public sealed class AdminAccountSeeder(IServiceScopeFactory scopes, IOptions<AdminOptions> options, ILogger<AdminAccountSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value;
        if (!admin.IsConfigured)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatUser>>();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();

        var user = await users.FindByNameAsync(admin.User!);
        if (user is null)
        {
            var created = await accounts.RegisterAsync(new RegisterInput(admin.User, admin.Email ?? $"{admin.User}@localhost", admin.Pass, admin.Gender, admin.TimeZone), cancellationToken);
            user = created.User ?? throw new InvalidOperationException(
                "The ADMIN_* settings do not make a valid account: " + string.Join(" ", created.Errors.Select(e => $"ADMIN_{e.Key.ToUpperInvariant()}: {string.Join(" ", e.Value)}")));
            logger.LogInformation("Created admin account {UserName}", user.UserName);
        }
        else
        {
            await UpdateAsync(users, user, admin);
        }

        if (!await users.IsInRoleAsync(user, Roles.Admin))
        {
            Check(await users.AddToRoleAsync(user, Roles.Admin), "add the Admin role");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task UpdateAsync(UserManager<ChatUser> users, ChatUser user, AdminOptions admin)
    {
        var changed = false;
        if (admin.Email is { Length: > 0 } email && !string.Equals(user.Email, email, StringComparison.OrdinalIgnoreCase))
        {
            Check(await users.SetEmailAsync(user, email), "set ADMIN_EMAIL");
        }
        if (admin.Gender is { Length: > 0 } gender && user.Gender != gender)
        {
            user.Gender = gender;
            changed = true;
        }
        if (admin.TimeZone is { Length: > 0 } zone && user.TimeZone != zone)
        {
            user.TimeZone = TimeZones.IsKnown(zone) ? zone : throw new InvalidOperationException($"ADMIN_TIMEZONE '{zone}' is not a known IANA time zone.");
            changed = true;
        }
        if (changed)
        {
            Check(await users.UpdateAsync(user), "update the admin account");
        }
        // Only a changed ADMIN_PASS resets the password, so restarts do not sign the admin out.
        if (!await users.CheckPasswordAsync(user, admin.Pass!))
        {
            var token = await users.RemovePasswordAsync(user);
            Check(token, "reset the admin password");
            Check(await users.AddPasswordAsync(user, admin.Pass!), "set ADMIN_PASS");
            logger.LogInformation("Reset the password of admin account {UserName} from ADMIN_PASS", user.UserName);
        }
    }

    private static void Check(IdentityResult result, string action)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {action}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
