using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using Microsoft.AspNetCore.Identity;

namespace HtmxChat.Web.Accounts;

/// <summary>ASP.NET Core Identity's view of <see cref="IUserRepository"/>; Identity mutates the user, then asks us to save it.</summary>
public sealed class ChatUserStore(IUserRepository users, IChatEventBus events) :
    IUserPasswordStore<ChatUser>,
    IUserEmailStore<ChatUser>,
    IUserSecurityStampStore<ChatUser>,
    IUserLockoutStore<ChatUser>,
    IUserRoleStore<ChatUser>
{
    private static readonly IdentityErrorDescriber Describer = new();

    public async Task<IdentityResult> CreateAsync(ChatUser user, CancellationToken ct) => ToIdentityResult(await users.CreateAsync(user, ct), user);

    public async Task<IdentityResult> UpdateAsync(ChatUser user, CancellationToken ct)
    {
        var expected = user.ConcurrencyStamp;
        user.ConcurrencyStamp = Guid.NewGuid().ToString("N");
        var result = await users.UpdateAsync(user, expected, ct);
        if (result != UserWriteResult.Ok)
        {
            user.ConcurrencyStamp = expected;
        }
        else
        {
            events.AccountChanged(user.Id);
        }
        return ToIdentityResult(result, user);
    }

    public async Task<IdentityResult> DeleteAsync(ChatUser user, CancellationToken ct)
    {
        if (!await users.DeleteAsync(user.Id, ct))
        {
            return IdentityResult.Failed(Describer.ConcurrencyFailure());
        }
        events.AccountChanged(user.Id);
        return IdentityResult.Success;
    }

    public Task<ChatUser?> FindByIdAsync(string userId, CancellationToken ct) => users.FindByIdAsync(userId, ct);
    public Task<ChatUser?> FindByNameAsync(string normalizedUserName, CancellationToken ct) => users.FindByNormalizedUserNameAsync(normalizedUserName, ct);
    public Task<ChatUser?> FindByEmailAsync(string normalizedEmail, CancellationToken ct) => users.FindByNormalizedEmailAsync(normalizedEmail, ct);

    public Task<string> GetUserIdAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.Id);
    public Task<string?> GetUserNameAsync(ChatUser user, CancellationToken ct) => Task.FromResult<string?>(user.UserName);
    public Task SetUserNameAsync(ChatUser user, string? userName, CancellationToken ct) => Set(() => user.UserName = userName ?? "");
    public Task<string?> GetNormalizedUserNameAsync(ChatUser user, CancellationToken ct) => Task.FromResult<string?>(user.NormalizedUserName);
    public Task SetNormalizedUserNameAsync(ChatUser user, string? normalizedName, CancellationToken ct) => Set(() => user.NormalizedUserName = normalizedName ?? "");

    public Task SetPasswordHashAsync(ChatUser user, string? passwordHash, CancellationToken ct) => Set(() => user.PasswordHash = passwordHash);
    public Task<string?> GetPasswordHashAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash);
    public Task<bool> HasPasswordAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash is not null);

    public Task SetEmailAsync(ChatUser user, string? email, CancellationToken ct) => Set(() => user.Email = email ?? "");
    public Task<string?> GetEmailAsync(ChatUser user, CancellationToken ct) => Task.FromResult<string?>(user.Email);
    public Task<bool> GetEmailConfirmedAsync(ChatUser user, CancellationToken ct) => Task.FromResult(false);
    public Task SetEmailConfirmedAsync(ChatUser user, bool confirmed, CancellationToken ct) => Task.CompletedTask;
    public Task<string?> GetNormalizedEmailAsync(ChatUser user, CancellationToken ct) => Task.FromResult<string?>(user.NormalizedEmail);
    public Task SetNormalizedEmailAsync(ChatUser user, string? normalizedEmail, CancellationToken ct) => Set(() => user.NormalizedEmail = normalizedEmail ?? "");

    public Task SetSecurityStampAsync(ChatUser user, string stamp, CancellationToken ct) => Set(() => user.SecurityStamp = stamp);
    public Task<string?> GetSecurityStampAsync(ChatUser user, CancellationToken ct) => Task.FromResult<string?>(user.SecurityStamp);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnd);
    public Task SetLockoutEndDateAsync(ChatUser user, DateTimeOffset? lockoutEnd, CancellationToken ct) => Set(() => user.LockoutEnd = lockoutEnd);
    public Task<int> IncrementAccessFailedCountAsync(ChatUser user, CancellationToken ct) => Task.FromResult(++user.AccessFailedCount);
    public Task ResetAccessFailedCountAsync(ChatUser user, CancellationToken ct) => Set(() => user.AccessFailedCount = 0);
    public Task<int> GetAccessFailedCountAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.AccessFailedCount);
    public Task<bool> GetLockoutEnabledAsync(ChatUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnabled);
    public Task SetLockoutEnabledAsync(ChatUser user, bool enabled, CancellationToken ct) => Set(() => user.LockoutEnabled = enabled);

    public Task AddToRoleAsync(ChatUser user, string roleName, CancellationToken ct) =>
        Set(() =>
        {
            if (!user.Roles.Contains(Roles.Canonical(roleName)))
            {
                user.Roles.Add(Roles.Canonical(roleName));
            }
        });

    public Task RemoveFromRoleAsync(ChatUser user, string roleName, CancellationToken ct) => Set(() => user.Roles.Remove(Roles.Canonical(roleName)));
    public Task<IList<string>> GetRolesAsync(ChatUser user, CancellationToken ct) => Task.FromResult<IList<string>>([.. user.Roles]);

    public Task<bool> IsInRoleAsync(ChatUser user, string roleName, CancellationToken ct) => Task.FromResult(user.Roles.Contains(Roles.Canonical(roleName)));

    public async Task<IList<ChatUser>> GetUsersInRoleAsync(string roleName, CancellationToken ct) => [.. await users.FindInRoleAsync(Roles.Canonical(roleName), ct)];

    public void Dispose()
    {
    }

    private static Task Set(Action change)
    {
        change();
        return Task.CompletedTask;
    }

    private static IdentityResult ToIdentityResult(UserWriteResult result, ChatUser user) => result switch
    {
        UserWriteResult.Ok => IdentityResult.Success,
        UserWriteResult.DuplicateUserName => IdentityResult.Failed(Describer.DuplicateUserName(user.UserName)),
        UserWriteResult.DuplicateEmail => IdentityResult.Failed(Describer.DuplicateEmail(user.Email)),
        _ => IdentityResult.Failed(Describer.ConcurrencyFailure()),
    };
}
