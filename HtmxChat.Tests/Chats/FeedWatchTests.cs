using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using Microsoft.Extensions.Options;

namespace HtmxChat.Tests.Chats;

public sealed class FeedWatchTests
{
    private static FeedWatch Watch(TimeProvider clock) =>
        new(Options.Create(new ChatOptions { HeartbeatSeconds = 60, WriteStallSeconds = 1 }), clock);

    [Fact]
    public async Task AConnectionEndsWhenItsTimeIsUpAndTheOthersGoOn()
    {
        var clock = new ManualClock();
        using var watch = Watch(clock);
        using var timed = watch.Watch(CancellationToken.None, () => { }, endsAt: clock.GetUtcNow().AddHours(1));
        using var open = watch.Watch(CancellationToken.None, () => { });

        // Several checks pass (one every quarter second) before the time is up.
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.False(timed.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromHours(1));
        await timed.Token.WhenCancelled().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(timed.Expired);
        Assert.False(timed.Stalled);
        Assert.False(open.Token.IsCancellationRequested);
        Assert.False(open.Expired);
    }

    [Fact]
    public async Task AWriteThatMakesNoProgressForTheStallTimeEndsItsConnection()
    {
        using var watch = Watch(TimeProvider.System);
        using var stuck = watch.Watch(CancellationToken.None, () => { });
        using var idle = watch.Watch(CancellationToken.None, () => { });

        stuck.WriteStarting();
        await stuck.Token.WhenCancelled().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(stuck.Stalled);
        Assert.False(stuck.Expired);
        Assert.False(idle.Token.IsCancellationRequested);
    }
}

internal static class CancellationTokenWaiting
{
    public static Task WhenCancelled(this CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }
}
