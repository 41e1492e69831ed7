using System.Collections.Concurrent;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Accounts;

/// <summary>
/// The accounts that every request's <see cref="SessionCheck"/> compares against, kept in memory so a request does
/// not read its account from the store. A change to an account drops its entry at once: here when the change is
/// saved (<see cref="ChatUserStore"/>), on other instances when the backplane brings word of it. While the backplane
/// is down no word can come, so the cache is not used (<see cref="Suspend"/>) until it is back. An entry also
/// expires after <see cref="Lifetime"/>, which bounds how long word that never arrived (a message lost between
/// one instance and Redis while the others stay connected) can leave an instance behind.
/// </summary>
public sealed class AccountCache(IUserRepository users, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    // Past this many accounts the cache starts over rather than track which were used least lately.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, (ChatUser Account, DateTimeOffset Until)> _accounts = new(StringComparer.Ordinal);
    private long _changes;
    private volatile bool _suspended;

    /// <summary>The account as stored; a copy that callers must not change.</summary>
    public async Task<ChatUser?> FindAsync(string userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (!_suspended && _accounts.TryGetValue(userId, out var cached) && now < cached.Until)
        {
            return cached.Account;
        }
        // A change heard of while reading may have come after the read: then what was read is not kept.
        var changesBefore = Interlocked.Read(ref _changes);
        var account = await users.FindByIdAsync(userId, ct);
        if (account is not null && !_suspended && Interlocked.Read(ref _changes) == changesBefore)
        {
            if (_accounts.Count >= MaxEntries)
            {
                _accounts.Clear();
            }
            _accounts[userId] = (account, now + Lifetime);
        }
        return account;
    }

    /// <summary>The account changed (here or on another instance): the next check reads it again.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref _changes);
        _accounts.TryRemove(userId, out _);
    }

    /// <summary>Changes on other instances can no longer be heard of: read every account from the store.</summary>
    public void Suspend()
    {
        _suspended = true;
        Interlocked.Increment(ref _changes);
        _accounts.Clear();
    }

    /// <summary>Changes are heard of again; what was cached before may have changed meanwhile, so it starts empty.</summary>
    public void Resume()
    {
        Interlocked.Increment(ref _changes);
        _accounts.Clear();
        _suspended = false;
    }
}
