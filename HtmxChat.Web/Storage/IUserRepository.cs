using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Storage;

public enum UserWriteResult { Ok, DuplicateUserName, DuplicateEmail, ConcurrencyFailure, NotFound }

public interface IUserRepository
{
    Task<UserWriteResult> CreateAsync(ChatUser user, CancellationToken ct = default);

    /// <summary>Replaces the stored user if its concurrency stamp is still <paramref name="expectedConcurrencyStamp"/>.</summary>
    Task<UserWriteResult> UpdateAsync(ChatUser user, string expectedConcurrencyStamp, CancellationToken ct = default);

    Task<bool> DeleteAsync(string userId, CancellationToken ct = default);
    Task<ChatUser?> FindByIdAsync(string userId, CancellationToken ct = default);
    Task<ChatUser?> FindByNormalizedUserNameAsync(string normalizedUserName, CancellationToken ct = default);
    Task<ChatUser?> FindByNormalizedEmailAsync(string normalizedEmail, CancellationToken ct = default);
    Task<IReadOnlyList<ChatUser>> FindByNormalizedUserNamesAsync(IReadOnlyCollection<string> normalizedUserNames, CancellationToken ct = default);

    /// <summary>Users whose normalized username starts with the prefix, in username order.</summary>
    Task<IReadOnlyList<ChatUser>> SearchByUserNamePrefixAsync(string normalizedPrefix, int limit, CancellationToken ct = default);

    Task<IReadOnlyList<ChatUser>> FindInRoleAsync(string role, CancellationToken ct = default);

    Task<IReadOnlyList<ChatUser>> FindByIdsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default);

    /// <summary>Records when the person went offline. Only this writes it: account updates leave it as it is.</summary>
    Task SetLastSeenAsync(string userId, DateTimeOffset at, CancellationToken ct = default);
}
