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
        (_chat, _) = await _store.CreateAsync(new Chat { CreatorId = user.Id, Title = "sequencing", Participants = [new() { UserId = user.Id, UserName = user.UserName }] });
        for (var i = 1; i <= 4; i++)
        {
            var (message, chat) = (await _store.AppendMessageAsync(_chat.Id, user.Id, user.UserName, $"m{i}", DateTimeOffset.UtcNow))!.Value;
            _stored.Add(new ChatChange(ChangeKind.MessagePosted, chat, message));
        }
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        _sequencer = new ChangeSequencer(_hub, new ChangeReader(_store), new FeedMetrics(meters), NullLogger<ChangeSequencer>.Instance);
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
            var change = (ChatChange)await _reader.Events.ReadAsync(timeout.Token);
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
        Assert.False(_reader.Events.TryRead(out _));
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
    private sealed class SlowToShow(IChatRepository inner) : IChatRepository
    {
        private readonly Dictionary<long, DateTime> _hiddenUntil = [];
        private int _reads;

        public int Reads => _reads;

        public void Hide(long version, TimeSpan for_) => _hiddenUntil[version] = DateTime.UtcNow + for_;

        public async Task<MessagePage> GetChangedMessagesAsync(string chatId, long afterVersion, int limit, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _reads);
            var page = await inner.GetChangedMessagesAsync(chatId, afterVersion, limit, ct);
            var visible = page.Messages.Where(m => !_hiddenUntil.TryGetValue(m.Version, out var until) || DateTime.UtcNow >= until).ToList();
            return page with { Messages = visible };
        }

        public Task<(Chat Chat, bool Created)> CreateAsync(Chat chat, CancellationToken ct = default) => inner.CreateAsync(chat, ct);
        public Task<Chat?> FindAsync(string chatId, CancellationToken ct = default) => inner.FindAsync(chatId, ct);
        public Task<Chat?> FindByDirectKeyAsync(string directKey, CancellationToken ct = default) => inner.FindByDirectKeyAsync(directKey, ct);
        public Task<IReadOnlyList<Chat>> ListForUserAsync(string userId, int limit, CancellationToken ct = default) => inner.ListForUserAsync(userId, limit, ct);

        public Task<(Message Message, Chat Chat)?> AppendMessageAsync(
            string chatId, string senderId, string senderName, string content, DateTimeOffset timestamp, string? replyToId = null, CancellationToken ct = default) =>
            inner.AppendMessageAsync(chatId, senderId, senderName, content, timestamp, replyToId, ct);

        public Task<MessagePage> GetMessagesAsync(string chatId, long? before, long? after, int limit, CancellationToken ct = default) =>
            inner.GetMessagesAsync(chatId, before, after, limit, ct);

        public Task<bool> MarkReadAsync(string chatId, string userId, long seq, CancellationToken ct = default) => inner.MarkReadAsync(chatId, userId, seq, ct);
        public Task<Message?> FindMessageAsync(string chatId, string messageId, CancellationToken ct = default) => inner.FindMessageAsync(chatId, messageId, ct);

        public Task<SearchPage> SearchAsync(string userId, SearchQuery query, string? chatId, SearchCursor? before, int limit, CancellationToken ct = default) =>
            inner.SearchAsync(userId, query, chatId, before, limit, ct);

        public Task<MessageChange?> EditMessageAsync(string chatId, string messageId, string content, DateTimeOffset editedAt, CancellationToken ct = default) =>
            inner.EditMessageAsync(chatId, messageId, content, editedAt, ct);

        public Task<MessageChange?> DeleteMessageAsync(string chatId, string messageId, CancellationToken ct = default) => inner.DeleteMessageAsync(chatId, messageId, ct);

        public Task<MessageChange?> SetReactionAsync(string chatId, string messageId, Reactor reactor, string reaction, bool on, CancellationToken ct = default) =>
            inner.SetReactionAsync(chatId, messageId, reactor, reaction, on, ct);
    }
}
