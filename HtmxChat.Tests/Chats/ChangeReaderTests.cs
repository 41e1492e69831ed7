using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Chats;

/// <summary>Catching up after a reconnect: exact, and when many clients resume together, read and formatted once.</summary>
public sealed class ChangeReaderTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private SqliteDatabase _database = null!;
    private SqliteChatRepository _chats = null!;
    private ChangeReader _reader = null!;
    private ChatUser _user = null!;
    private Chat _chat = null!;

    public async ValueTask InitializeAsync()
    {
        _database = new SqliteDatabase($"Data Source={_folder.File("store.db")}");
        _user = new ChatUser { UserName = "ada", NormalizedUserName = "ADA", Email = "ada@example.com", NormalizedEmail = "ADA@EXAMPLE.COM" };
        await new SqliteUserRepository(_database).CreateAsync(_user);
        _chats = new SqliteChatRepository(_database);
        (_chat, _) = await _chats.CreateAsync(new Chat { CreatorId = _user.Id, Title = "catching up", Participants = [new() { UserId = _user.Id, UserName = _user.UserName }] });
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync($"m{i}");
        }
        _reader = new ChangeReader(_chats);
    }

    public ValueTask DisposeAsync()
    {
        _database.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(string content) =>
        await _chats.AppendMessageAsync(_chat.Id, _user.Id, _user.UserName, content, DateTimeOffset.UtcNow);

    private async Task<List<ChatChange>> CatchUpAsync(long after)
    {
        var changes = new List<ChatChange>();
        await foreach (var change in _reader.CatchUpAsync(_chat.Id, after, CancellationToken.None))
        {
            changes.Add(change);
        }
        return changes;
    }

    [Fact]
    public async Task ClientsResumingFromTheSameVersionGetTheSameChangesOnceRead()
    {
        var all = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => CatchUpAsync(after: 2))));

        Assert.Equal(["m3", "m4", "m5"], all[0].Select(c => c.Message!.Content));
        Assert.All(all, changes => Assert.Equal(all[0], changes, ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public async Task ACatchUpAfterAnotherChangeIncludesIt()
    {
        var before = await CatchUpAsync(after: 3);
        await SendAsync("m6");

        var after = await CatchUpAsync(after: 3);

        Assert.Equal(["m4", "m5"], before.Select(c => c.Message!.Content));
        Assert.Equal(["m4", "m5", "m6"], after.Select(c => c.Message!.Content));
    }

    [Fact]
    public async Task ClientsResumingFromDifferentVersionsEachGetTheirOwnDifference()
    {
        var fromTwo = await CatchUpAsync(after: 2);
        var fromFour = await CatchUpAsync(after: 4);

        Assert.Equal(["m3", "m4", "m5"], fromTwo.Select(c => c.Message!.Content));
        Assert.Equal(["m5"], fromFour.Select(c => c.Message!.Content));
        Assert.All(fromTwo, c => Assert.Equal(ChangeKind.MessagePosted, c.Kind));
    }
}
