using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Infrastructure;
using HtmxChat.Web.Domain;
using Microsoft.Extensions.Options;

namespace HtmxChat.Tests.Chats;

public sealed class ChatHubTests
{
    private static ChatHub Hub(int capacity = 16) => new(Options.Create(new ChatOptions { StreamQueueCapacity = capacity }));

    private static Chat ChatOf(params string[] userIds) => new()
    {
        Participants = [.. userIds.Select(id => new ChatParticipant { UserId = id, UserName = id })],
    };

    private static ChatChange Posted(Chat chat, long seq) => new(ChangeKind.MessagePosted, chat,
        new Message(Ids.New(), chat.Id, seq, chat.Participants[0].UserId, "a", $"m{seq}", DateTimeOffset.UnixEpoch) { Version = seq, CreatedVersion = seq });

    private static List<long> Drain(Subscription subscription)
    {
        var seqs = new List<long>();
        while (subscription.TryRead(out var e))
        {
            seqs.Add(((ChatChange)e).Version);
        }
        return seqs;
    }

    [Fact]
    public async Task EveryStreamOfEveryParticipantGetsTheEventsInPublishOrder()
    {
        var hub = Hub();
        var chat = ChatOf("a", "b");
        using var aTab = hub.Subscribe("a");
        using var bTab1 = hub.Subscribe("b");
        using var bTab2 = hub.Subscribe("b");

        for (var seq = 1; seq <= 5; seq++)
        {
            hub.Publish(Posted(chat, seq));
        }
        await hub.DeliveredAsync();

        Assert.All(new[] { aTab, bTab1, bTab2 }, tab => Assert.Equal([1L, 2, 3, 4, 5], Drain(tab)));
    }

    [Fact]
    public async Task StreamsOfPeopleOutsideTheChatGetNothing()
    {
        var hub = Hub();
        using var outsider = hub.Subscribe("c");
        using var insider = hub.Subscribe("a");

        hub.Publish(Posted(ChatOf("a", "b"), 1));
        await hub.DeliveredAsync();

        Assert.Equal([1L], Drain(insider));
        Assert.Empty(Drain(outsider));
    }

    [Fact]
    public async Task AStalledReaderIsDisconnectedWhenItFallsAQueueBehindWhileOthersGetEverything()
    {
        var hub = Hub(capacity: 16);
        var chat = ChatOf("a", "b");
        using var stalled = hub.Subscribe("a");
        using var reader = hub.Subscribe("b");
        var received = new List<long>();

        for (var seq = 1; seq <= 100; seq++)
        {
            hub.Publish(Posted(chat, seq));
            await hub.DeliveredAsync();
            received.AddRange(Drain(reader));
        }

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), received);
        Assert.False(reader.Lagged);
        Assert.True(stalled.Lagged);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), Drain(stalled));
        Assert.True(stalled.Ended);
    }

    [Fact]
    public async Task AWaitingReaderIsWokenByTheNextEventAndThenByTheEnd()
    {
        var hub = Hub();
        var tab = hub.Subscribe("a");

        var waiting = tab.WaitToReadAsync();
        Assert.False(waiting.IsCompleted);
        hub.Publish(Posted(ChatOf("a"), 1));
        Assert.True(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal([1L], Drain(tab));

        var ending = tab.WaitToReadAsync();
        tab.Dispose();
        Assert.False(await ending);
        Assert.True(tab.Ended);
        Assert.False(tab.Lagged);
    }

    [Fact]
    public async Task EventsKeepTheirOrderWhileTheQueueFillsAndEmptiesOverAndOver()
    {
        var hub = Hub(capacity: 8);
        var chat = ChatOf("a");
        using var tab = hub.Subscribe("a");
        var received = new List<long>();

        var seq = 0;
        for (var round = 1; round <= 20; round++)
        {
            foreach (var _ in Enumerable.Range(0, 3))
            {
                hub.Publish(Posted(chat, ++seq));
            }
            await hub.DeliveredAsync();
            // Two read, then four: the queue wraps around its ring as it fills and empties.
            foreach (var _ in Enumerable.Range(0, round % 2 == 1 ? 2 : 4))
            {
                Assert.True(tab.TryRead(out var next));
                received.Add(((ChatChange)next).Version);
            }
        }
        await hub.DeliveredAsync();
        received.AddRange(Drain(tab));

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), received);
        Assert.False(tab.Lagged);
    }

    [Fact]
    public async Task AQueueThatGrowsWhileWrappedAroundKeepsItsOrder()
    {
        var hub = Hub(capacity: 16);
        var chat = ChatOf("a");
        using var tab = hub.Subscribe("a");
        foreach (var seq in Enumerable.Range(1, 3))
        {
            hub.Publish(Posted(chat, seq));
        }
        await hub.DeliveredAsync();
        tab.TryRead(out _);
        tab.TryRead(out _);

        // The next events wrap around the ring's end, then fill it, and it grows twice from there.
        foreach (var seq in Enumerable.Range(4, 10))
        {
            hub.Publish(Posted(chat, seq));
        }
        await hub.DeliveredAsync();

        Assert.Equal(Enumerable.Range(3, 11).Select(i => (long)i), Drain(tab));
    }

    [Fact]
    public async Task AHeartbeatAskIsDroppedByAFullQueueWithoutEndingIt()
    {
        var hub = Hub(capacity: 2);
        var chat = ChatOf("a");
        using var tab = hub.Subscribe("a");
        hub.Publish(Posted(chat, 1));
        hub.Publish(Posted(chat, 2));
        await hub.DeliveredAsync();

        tab.AskForHeartbeat();

        Assert.False(tab.Lagged);
        Assert.Equal([1L, 2], Drain(tab));
        Assert.False(tab.Ended);
        tab.AskForHeartbeat();
        Assert.True(tab.TryRead(out var heartbeat));
        Assert.IsType<HeartbeatDue>(heartbeat);
    }

    [Fact]
    public async Task PublishingNeverWaitsForReaders()
    {
        var hub = Hub(capacity: 16);
        var chat = ChatOf("a");
        var stalled = Enumerable.Range(0, 1_000).Select(_ => hub.Subscribe("a")).ToList();

        var publish = Task.Run(() =>
        {
            for (var seq = 1; seq <= 100; seq++)
            {
                hub.Publish(Posted(chat, seq));
            }
        });

        await publish.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await hub.DeliveredAsync();
        Assert.All(stalled, s => Assert.True(s.Lagged));
        stalled.ForEach(s => s.Dispose());
    }

    [Fact]
    public void EndingASessionClosesOnlyThatSessionsStreams()
    {
        var hub = Hub();
        using var laptopTab1 = hub.Subscribe("a", "laptop");
        using var laptopTab2 = hub.Subscribe("a", "laptop");
        using var phone = hub.Subscribe("a", "phone");

        hub.EndSession("a", "laptop");

        Assert.True(laptopTab1.Ended);
        Assert.True(laptopTab2.Ended);
        Assert.False(phone.Ended);
        Assert.False(laptopTab1.Lagged);
    }

    [Fact]
    public async Task ADisposedStreamIsForgotten()
    {
        var hub = Hub();
        var first = hub.Subscribe("a");
        using var second = hub.Subscribe("a");

        first.Dispose();
        hub.Publish(Posted(ChatOf("a"), 1));
        await hub.DeliveredAsync();

        Assert.Equal(1, hub.SubscriptionCount);
        Assert.Equal([1L], Drain(second));
    }

    [Fact]
    public void EndingAPersonClosesAllTheirStreamsAndNoOneElses()
    {
        var hub = Hub();
        using var laptop = hub.Subscribe("a", "laptop");
        using var socket = hub.Subscribe("a");
        using var other = hub.Subscribe("b");

        hub.EndUser("a");

        Assert.True(laptop.Ended);
        Assert.True(socket.Ended);
        Assert.False(other.Ended);
    }

    [Fact]
    public async Task AnEventsFrameIsMadeOncePerVariantHoweverManyStreamsAskForIt()
    {
        var frames = new FrameCache<ChatChange, string>();
        var posted = Posted(ChatOf("a"), 1);
        var made = 0;

        var written = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => Task.Run(() =>
            frames.GetAsync(posted, i % 2 == 0 ? "zone:UTC" : "zone:Asia/Kolkata", () =>
            {
                Interlocked.Increment(ref made);
                return Task.FromResult(new byte[] { 1 });
            }))));

        Assert.Equal(2, made);
        Assert.Equal(2, frames.CountFor(posted));
        Assert.Equal(2, written.Distinct().Count());
    }

    [Fact]
    public async Task EventsAndVariantsAskedInTurnEachGetTheirOwnFrame()
    {
        var frames = new FrameCache<ChatChange, string>();
        var first = Posted(ChatOf("a"), 1);
        var second = Posted(ChatOf("a"), 2);
        Task<byte[]> Make(byte tag) => Task.FromResult(new byte[] { tag });

        foreach (var _ in Enumerable.Range(0, 3))
        {
            Assert.Equal([1], await frames.GetAsync(first, "", () => Make(1)));
            Assert.Equal([2], await frames.GetAsync(second, "", () => Make(2)));
            Assert.Equal([3], await frames.GetAsync(second, "0", () => Make(3)));
        }
        Assert.Equal(1, frames.CountFor(first));
        Assert.Equal(2, frames.CountFor(second));
    }

    [Fact]
    public async Task AnEventThatFailsToBeDeliveredDoesNotStopTheOnesAfterIt()
    {
        var hub = Hub();
        using var tab = hub.Subscribe("a");

        hub.Publish(new FailsWhenDelivered("a"));
        hub.Publish(Posted(ChatOf("a"), 1));
        await hub.DeliveredAsync();

        var delivered = new List<ChatEvent>();
        while (tab.TryRead(out var e))
        {
            delivered.Add(e);
        }
        Assert.Equal([1L], delivered.OfType<ChatChange>().Select(c => c.Version));
    }

    /// <summary>Its recipients can be listed once (by the publisher); listing them again (in the lane) fails part-way.</summary>
    private sealed class FailsWhenDelivered(string userId) : ChatEvent
    {
        private int _listed;

        public override IEnumerable<string> Recipients => Interlocked.Increment(ref _listed) == 1 ? [userId] : Fail();

        private IEnumerable<string> Fail()
        {
            yield return userId;
            throw new InvalidOperationException("cannot be delivered");
        }
    }
}
