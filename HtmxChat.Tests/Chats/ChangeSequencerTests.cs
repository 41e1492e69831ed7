using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;
using HtmxChat.Web.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using System.Diagnostics.Metrics;

namespace HtmxChat.Tests.Chats;

/// <summary>How one instance puts each chat's changes in version order, filling gaps from a real SQLite store.</summary>
public sealed class ChangeSequencerTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly ChatHub _hub = new(Options.Create(new ChatOptions()));
    private SlowToShow _store = null!;
    private ChangeSequencer _sequencer = null!;
    private Chat _chat = null!;
    private Subscription _reader = null!;
    private readonly List<ChatChange> _stored = [];

    public async ValueTask InitializeAsync()
    {
        var database = new SqliteDatabase($"Data Source={_folder.File("store.db")}");
        var user = new ChatUser { UserName = "seq", NormalizedUserName = "SEQ", Email = "seq@example.com", NormalizedEmail = "SEQ@EXAMPLE.COM" };
        await new SqliteUserRepository(database).CreateAsync(user);
        _store = new SlowToShow(new SqliteChatRepository(database));
        (_chat, _) = await _store.Store.CreateAsync(new Chat { CreatorId = user.Id, Title = "sequencing", Participants = [new() { UserId = user.Id, UserName = user.UserName }] });
        for (var i = 1; i <= 4; i++)
        {
            var (message, chat) = (await _store.Store.AppendMessageAsync(_chat.Id, user.Id, user.UserName, $"m{i}", DateTimeOffset.UtcNow))!.Value;
            _stored.Add(new ChatChange(ChangeKind.MessagePosted, chat, message));
        }
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _sequencer = new ChangeSequencer(_hub, new ChangeReader(_store.Store), new FeedMetrics(meters), NullLogger<ChangeSequencer>.Instance);
        _reader = _hub.Subscribe(user.Id);
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private ChatChange Change(long version) => _stored[(int)version - 1];

    private async Task<List<(long Version, string Content)>> DeliveredAsync(int count)
    {
        var delivered = new List<(long, string)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (delivered.Count < count)
        {
            if (!_reader.TryRead(out var next))
            {
                Assert.True(await _reader.WaitToReadAsync().AsTask().WaitAsync(timeout.Token));
                continue;
            }
            var change = (ChatChange)next;
            delivered.Add((change.Version, change.Message!.Content));
        }
        return delivered;
    }

    [Fact]
    public async Task ChangesArrivingInOrderPassStraightThrough()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(2));

        Assert.Equal([(1L, "m1"), (2L, "m2")], await DeliveredAsync(2));
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task AChangeThatArrivesEarlyWaitsForTheOneBeforeIt()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(3));
        _sequencer.Accept(Change(2));

        Assert.Equal([(1L, "m1"), (2L, "m2"), (3L, "m3")], await DeliveredAsync(3));
    }

    [Fact]
    public async Task AChangeThatNeverArrivesIsReadFromTheStore()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(4));

        Assert.Equal([(1L, "m1"), (2L, "m2"), (3L, "m3"), (4L, "m4")], await DeliveredAsync(4));
        Assert.True(_store.Reads > 0);
    }

    [Fact]
    public async Task AVersionTakenBeforeItsRowIsVisibleIsWaitedForNotSkipped()
    {
        _store.Hide(2, for_: TimeSpan.FromMilliseconds(400));

        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(3));

        Assert.Equal([(1L, "m1"), (2L, "m2"), (3L, "m3")], await DeliveredAsync(3));
        Assert.True(_store.Reads > 1, "The store was read again after the row was not there yet.");
    }

    [Fact]
    public async Task AChangeAlreadyDeliveredIsDropped()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(2));
        _sequencer.Accept(Change(1));
        _sequencer.Accept(Change(3));

        Assert.Equal([(1L, "m1"), (2L, "m2"), (3L, "m3")], await DeliveredAsync(3));
        await _hub.DeliveredAsync();
        Assert.False(_reader.TryRead(out _));
    }

    [Fact]
    public async Task AfterAResetTheNextChangeStartsAfreshAndEarlierOnesAreNotHeldForever()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Reset();
        _sequencer.Accept(Change(3));
        _sequencer.Accept(Change(4));

        Assert.Equal([(1L, "m1"), (3L, "m3"), (4L, "m4")], await DeliveredAsync(3));
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task AForgottenChatIsFollowedAgainFromItsNextChange()
    {
        _sequencer.Accept(Change(1));
        _sequencer.Forget(_chat.Id);
        _sequencer.Accept(Change(4));

        Assert.Equal([(1L, "m1"), (4L, "m4")], await DeliveredAsync(2));
        Assert.Equal(0, _store.Reads);
    }

    /// <summary>The real store, except that a version can be kept out of reads for a while, as a row not yet visible.</summary>
    private sealed class SlowToShow
    {
        private readonly Dictionary<long, DateTime> _hiddenUntil = [];
        private int _reads;

        public SlowToShow(IChatRepository inner)
        {
            Store = System.Reflection.DispatchProxy.Create<IChatRepository, Forwarder>();
            ((Forwarder)Store).Init(inner, this);
        }

        public IChatRepository Store { get; }

        public int Reads => _reads;

        public void Hide(long version, TimeSpan for_) => _hiddenUntil[version] = DateTime.UtcNow + for_;

        private async Task<MessagePage> GetChangedMessagesAsync(IChatRepository inner, string chatId, long afterVersion, int limit, CancellationToken ct)
        {
            Interlocked.Increment(ref _reads);
            var page = await inner.GetChangedMessagesAsync(chatId, afterVersion, limit, ct);
            var visible = page.Messages.Where(m => !_hiddenUntil.TryGetValue(m.Version, out var until) || DateTime.UtcNow >= until).ToList();
            return page with { Messages = visible };
        }

        /// <summary>Every other call goes to the real store as it is.</summary>
        public class Forwarder : System.Reflection.DispatchProxy
        {
            private IChatRepository _inner = null!;
            private SlowToShow _owner = null!;

            public void Init(IChatRepository inner, SlowToShow owner) => (_inner, _owner) = (inner, owner);

            protected override object? Invoke(System.Reflection.MethodInfo? method, object?[]? args) =>
                method!.Name == nameof(IChatRepository.GetChangedMessagesAsync)
                    ? _owner.GetChangedMessagesAsync(_inner, (string)args![0]!, (long)args[1]!, (int)args[2]!, (CancellationToken)args[3]!)
                    : method.Invoke(_inner, args);
        }
    }
}
