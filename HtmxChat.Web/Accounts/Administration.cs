using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Accounts;

public abstract record AdminResult
{
    public sealed record Done : AdminResult;

    public sealed record NotFound : AdminResult;

    /// <summary>An action an admin may not take on this account; 409 with <see cref="Detail"/>.</summary>
    public sealed record Refused(string Detail) : AdminResult;
}

/// <summary>
/// What admins do to accounts, for the admin pages and the admin API alike. Nobody can lock or demote themselves (so an
/// admin cannot lock themselves out by mistake), and nobody can lock or demote the account named by <c>ADMIN_USER</c>:
/// start-up would make it an admin again anyway, and it is the way back in.
/// </summary>
public sealed class Administration(UserManager<ChatUser> userManager, IUserRepository users, ILookupNormalizer normalizer, AccountService accounts)
{
    public const int ListLimit = 100;
    public const string SelfRefused = "You cannot lock yourself or remove your own admin role; ask another admin.";
    public const string SeededRefused = "This is the admin account set by ADMIN_USER; change ADMIN_USER to hand the role to someone else.";

    /// <summary>Accounts whose username starts with <paramref name="search"/>, in username order.</summary>
    public Task<IReadOnlyList<ChatUser>> ListAsync(string? search, CancellationToken ct) =>
        users.SearchByUserNamePrefixAsync(normalizer.NormalizeName(search?.Trim() ?? ""), ListLimit, ct);

    public Task<AdminResult> LockAsync(string adminId, string userId) =>
        ActAsync(adminId, userId, guarded: true, async user => await accounts.LockAsync(user, DateTimeOffset.UtcNow.AddYears(100)));

    public Task<AdminResult> UnlockAsync(string adminId, string userId) =>
        ActAsync(adminId, userId, guarded: false, accounts.UnlockAsync);

    public Task<AdminResult> SetAdminAsync(string adminId, string userId, bool admin) =>
        ActAsync(adminId, userId, guarded: !admin, user => accounts.SetAdminAsync(user, admin));

    private async Task<AdminResult> ActAsync(string adminId, string userId, bool guarded, Func<ChatUser, Task<IdentityResult>> action)
    {
        if (await userManager.FindByIdAsync(userId) is not { } user)
        {
            return new AdminResult.NotFound();
        }
        if (guarded && user.Id == adminId)
        {
            return new AdminResult.Refused(SelfRefused);
        }
        if (guarded && accounts.IsSeededAdmin(user))
        {
            return new AdminResult.Refused(SeededRefused);
        }
        var result = await action(user);
        return result.Succeeded ? new AdminResult.Done() : new AdminResult.Refused(string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
