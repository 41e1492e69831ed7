using HtmxChat.Web.Storage;
using Microsoft.Extensions.Options;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>Who is online on any instance: this instance's own word with one process, Redis's with several.</summary>
public interface IPresenceDirectory
{
    /// <summary>Records that the person is (or no longer is) online on this instance.</summary>
    Task SetHereAsync(string userId, bool online);

    /// <summary>Those of <paramref name="userIds"/> online on some instance.</summary>
    Task<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds);

    /// <summary>Whether the person is online on another instance than this one.</summary>
    Task<bool> IsOnlineElsewhereAsync(string userId);
}

/// <summary>One process: online means a connection here (or one closed within the grace period).</summary>
public sealed class LocalPresenceDirectory(PresenceTracker tracker) : IPresenceDirectory
{
    public Task SetHereAsync(string userId, bool online) => Task.CompletedTask;

    public Task<IReadOnlySet<string>> OnlineAmongAsync(IReadOnlyCollection<string> userIds) =>
        Task.FromResult<IReadOnlySet<string>>(userIds.Where(tracker.IsHere).ToHashSet());

    public Task<bool> IsOnlineElsewhereAsync(string userId) => Task.FromResult(false);
}

/// <summary>
/// Presence from the live feed's connections: a person is online while they have any open stream or socket. Going
/// offline waits <see cref="ChatOptions.PresenceGraceSeconds"/>, so a page reload (close, then open) does not flap.
/// Changes are announced to the people who share a chat with the person, and the time they went offline is stored.
/// </summary>
public sealed class PresenceTracker(
    IServiceProvider services, IChatRepository chats, IUserRepository users, IOptions<ChatOptions> options, TimeProvider clock, ILogger<PresenceTracker> logger)
{
    private sealed class Here
    {
        public int Connections;
        public CancellationTokenSource? GoingOffline;
    }

    private readonly Dictionary<string, Here> _here = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    // One announcement at a time per person (striped), each checking the state it announces is still so: a quick
    // reconnect never leaves "offline" as the last word about someone who is online. Different people go in parallel.
    private readonly SemaphoreSlim[] _announcing = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    // Resolved late: the directory and the event bus (with Redis) depend on this tracker's siblings.
    private IPresenceDirectory Directory => services.GetRequiredService<IPresenceDirectory>();
    private IChatEventBus Events => services.GetRequiredService<IChatEventBus>();

    /// <summary>Online here: connected, or disconnected within the grace period.</summary>
    public bool IsHere(string userId)
    {
        lock (_gate)
        {
            return _here.ContainsKey(userId);
        }
    }

    /// <summary>Everyone online here now (the Redis directory renews their leases).</summary>
    public IReadOnlyList<string> EveryoneHere()
    {
        lock (_gate)
        {
            return [.. _here.Keys];
        }
    }

    public void Connected(string userId)
    {
        bool cameOnline;
        lock (_gate)
        {
            if (!_here.TryGetValue(userId, out var here))
            {
                _here[userId] = here = new Here();
            }
            cameOnline = here.Connections++ == 0 && here.GoingOffline is null;
            here.GoingOffline?.Cancel();
            here.GoingOffline = null;
        }
        if (cameOnline)
        {
            _ = AnnounceAsync(userId, online: true);
        }
    }

    public void Disconnected(string userId)
    {
        CancellationTokenSource? grace = null;
        lock (_gate)
        {
            if (_here.TryGetValue(userId, out var here) && --here.Connections == 0)
            {
                here.GoingOffline = grace = new CancellationTokenSource();
            }
        }
        if (grace is not null)
        {
            _ = GoOfflineAfterGraceAsync(userId, grace);
        }
    }

    private async Task GoOfflineAfterGraceAsync(string userId, CancellationTokenSource grace)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.PresenceGraceSeconds), clock, grace.Token);
        }
        catch (OperationCanceledException)
        {
            grace.Dispose();
            return;
        }
        lock (_gate)
        {
            if (!_here.TryGetValue(userId, out var here) || here.GoingOffline != grace)
            {
                return;
            }
            _here.Remove(userId);
        }
        grace.Dispose();
        await AnnounceAsync(userId, online: false);
    }

    private async Task AnnounceAsync(string userId, bool online)
    {
        var turn = _announcing[(int)((uint)StringComparer.Ordinal.GetHashCode(userId) % (uint)_announcing.Length)];
        await turn.WaitAsync();
        try
        {
            if (IsHere(userId) != online)
            {
                return; // Changed back meanwhile; that change announces itself.
            }
            // Online on another instance already (coming online), or still (going offline): nothing changes for anyone.
            // Going offline, this instance's lease goes first, so two instances letting go at once cannot each see the
            // other's lease and both stay silent (at worst both say "offline").
            bool elsewhere;
            if (online)
            {
                elsewhere = await Directory.IsOnlineElsewhereAsync(userId);
                await Directory.SetHereAsync(userId, online: true);
            }
            else
            {
                await Directory.SetHereAsync(userId, online: false);
                elsewhere = await Directory.IsOnlineElsewhereAsync(userId);
            }
            if (elsewhere)
            {
                return;
            }
            DateTimeOffset? lastSeen = null;
            if (!online)
            {
                lastSeen = clock.GetUtcNow();
                await users.SetLastSeenAsync(userId, lastSeen.Value);
            }
            var theirChats = await chats.ListForUserAsync(userId, ChatService.MaxChatsListed);
            var name = theirChats.SelectMany(c => c.Participants).FirstOrDefault(p => p.UserId == userId)?.UserName
                ?? (await users.FindByIdAsync(userId))?.UserName ?? "";
            var others = theirChats.SelectMany(c => c.Participants).Select(p => p.UserId).Where(id => id != userId).Distinct().ToList();
            if (others.Count > 0)
            {
                Events.Publish(new PresenceChanged(userId, name, online, lastSeen, [.. theirChats.Select(c => c.Id)], others));
            }
        }
        catch (Exception e)
        {
            // Presence is a courtesy: a store or Redis hiccup must not take a connection down with it.
            logger.LogWarning(e, "Could not announce that {UserId} is {State}", userId, online ? "online" : "offline");
        }
        finally
        {
            turn.Release();
        }
    }
}
