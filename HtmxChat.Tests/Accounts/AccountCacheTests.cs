using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Accounts;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Accounts;

/// <summary>The session check's accounts in memory: never older than the last change heard of.</summary>
public sealed class AccountCacheTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SqliteDatabase _database;
    private readonly CountingUsers _users;
    private readonly ManualClock _clock = new();
    private readonly AccountCache _cache;

    public AccountCacheTests()
    {
        _database = new SqliteDatabase($"Data Source={_folder.File("accounts.db")}");
        _users = new CountingUsers(new SqliteUserRepository(_database));
        _cache = new AccountCache(_users, _clock);
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private async Task<ChatUser> StoredAsync(string stamp)
    {
        var user = new ChatUser { UserName = "ada", NormalizedUserName = "ADA", Email = "ada@example.com", NormalizedEmail = "ADA@EXAMPLE.COM", SecurityStamp = stamp };
        Assert.Equal(UserWriteResult.Ok, await _users.CreateAsync(user));
        return user;
    }

    private async Task RestampAsync(ChatUser user, string stamp)
    {
        var expected = user.ConcurrencyStamp;
        user.SecurityStamp = stamp;
        user.ConcurrencyStamp = Guid.NewGuid().ToString("N");
        Assert.Equal(UserWriteResult.Ok, await _users.UpdateAsync(user, expected));
    }

    [Fact]
    public async Task AnAccountIsReadFromTheStoreOnceThenFromMemory()
    {
        var ada = await StoredAsync("one");

        Assert.Equal("one", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
        Assert.Equal("one", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);

        Assert.Equal(1, _users.Reads);
    }

    [Fact]
    public async Task AChangeHeardOfIsSeenByTheNextCheck()
    {
        var ada = await StoredAsync("one");
        await _cache.FindAsync(ada.Id, default);

        await RestampAsync(ada, "two");
        _cache.Forget(ada.Id);

        Assert.Equal("two", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
    }

    [Fact]
    public async Task WhatWasReadWhileAChangeWasHeardOfIsNotKept()
    {
        var ada = await StoredAsync("one");
        _users.DuringNextRead = () => _cache.Forget(ada.Id);

        Assert.Equal("one", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
        await RestampAsync(ada, "two");

        Assert.Equal("two", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
    }

    [Fact]
    public async Task WhileSuspendedEveryCheckReadsTheStoreAndAfterwardsNothingOldIsKept()
    {
        var ada = await StoredAsync("one");
        await _cache.FindAsync(ada.Id, default);

        _cache.Suspend();
        await RestampAsync(ada, "two");
        Assert.Equal("two", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
        _cache.Resume();

        Assert.Equal("two", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
        Assert.Equal(3, _users.Reads);
    }

    [Fact]
    public async Task AnEntryExpiresEvenIfNoWordOfAChangeArrives()
    {
        var ada = await StoredAsync("one");
        await _cache.FindAsync(ada.Id, default);
        await RestampAsync(ada, "two");

        _clock.Advance(AccountCache.Lifetime);

        Assert.Equal("two", (await _cache.FindAsync(ada.Id, default))!.SecurityStamp);
    }

    /// <summary>The real store, counting reads by id, and able to act in the middle of one.</summary>
    private sealed class CountingUsers(IUserRepository inner) : IUserRepository
    {
        public int Reads { get; private set; }
        public Action? DuringNextRead { get; set; }

        public async Task<ChatUser?> FindByIdAsync(string userId, CancellationToken ct = default)
        {
            Reads++;
            var user = await inner.FindByIdAsync(userId, ct);
            var during = DuringNextRead;
            DuringNextRead = null;
            during?.Invoke();
            return user;
        }

        public Task<UserWriteResult> CreateAsync(ChatUser user, CancellationToken ct = default) => inner.CreateAsync(user, ct);
        public Task<UserWriteResult> UpdateAsync(ChatUser user, string expectedConcurrencyStamp, CancellationToken ct = default) => inner.UpdateAsync(user, expectedConcurrencyStamp, ct);
        public Task<bool> DeleteAsync(string userId, CancellationToken ct = default) => inner.DeleteAsync(userId, ct);
        public Task<ChatUser?> FindByNormalizedUserNameAsync(string normalizedUserName, CancellationToken ct = default) => inner.FindByNormalizedUserNameAsync(normalizedUserName, ct);
        public Task<ChatUser?> FindByNormalizedEmailAsync(string normalizedEmail, CancellationToken ct = default) => inner.FindByNormalizedEmailAsync(normalizedEmail, ct);
        public Task<IReadOnlyList<ChatUser>> FindByNormalizedUserNamesAsync(IReadOnlyCollection<string> normalizedUserNames, CancellationToken ct = default) => inner.FindByNormalizedUserNamesAsync(normalizedUserNames, ct);
        public Task<IReadOnlyList<ChatUser>> SearchByUserNamePrefixAsync(string normalizedPrefix, int limit, CancellationToken ct = default) => inner.SearchByUserNamePrefixAsync(normalizedPrefix, limit, ct);
        public Task<IReadOnlyList<ChatUser>> FindInRoleAsync(string role, CancellationToken ct = default) => inner.FindInRoleAsync(role, ct);
        public Task<IReadOnlyList<ChatUser>> FindByIdsAsync(IReadOnlyCollection<string> userIds, CancellationToken ct = default) => inner.FindByIdsAsync(userIds, ct);
        public Task SetLastSeenAsync(string userId, DateTimeOffset at, CancellationToken ct = default) => inner.SetLastSeenAsync(userId, at, ct);
    }
}
