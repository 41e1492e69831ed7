using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Storage.Sqlite;

namespace HtmxChat.Tests.Storage;

/// <summary>A database made by an earlier main (see Fixtures/README.md), opened by today's code.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _path;

    public MigrationTests()
    {
        _path = _folder.File("htmxchat.db");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures", "main-v1.db"), _path);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ChatsAndMessagesStoredBeforeVersionsGetTheirSeqAsVersion()
    {
        var database = new SqliteDatabase($"Data Source={_path}");
        var chats = new SqliteChatRepository(database);
        var users = new SqliteUserRepository(database);

        var ravi = await users.FindByNormalizedUserNameAsync("RAVI");
        var list = await chats.ListForUserAsync(ravi!.Id, 10);
        var direct = list.Single(c => c.Title is null);
        var changed = await chats.GetChangedMessagesAsync(direct.Id, 2, 10);

        Assert.Equal([(4L, 4L), (5L, 5L)], list.Select(c => (c.LastSeq, c.Version)).Order());
        Assert.All(list, c => Assert.Equal(0, c.DetailsVersion));
        Assert.Equal([(3L, 3L, 3L), (4L, 4L, 4L)], changed.Messages.Select(m => (m.Seq, m.Version, m.CreatedVersion)));
        Assert.Equal(["Hello 3", "Hi Ravi"], changed.Messages.Select(m => m.Content));
        Assert.Equal(1, direct.UnreadCountFor(ravi.Id));
    }

    [Fact]
    public async Task MessagesStoredBeforeSearchExistedAreFound()
    {
        var database = new SqliteDatabase($"Data Source={_path}");
        var chats = new SqliteChatRepository(database);
        var arun = await new SqliteUserRepository(database).FindByNormalizedUserNameAsync("ARUN");

        var found = await chats.SearchAsync(arun!.Id, HtmxChat.Web.Chats.SearchQuery.Parse("trip"), null, null, 10);
        var notHis = await chats.SearchAsync(arun.Id, HtmxChat.Web.Chats.SearchQuery.Parse("hello"), null, null, 10);

        Assert.Equal(["Trip 5", "Trip 4", "Trip 3", "Trip 2", "Trip 1"], found.Hits.Select(h => h.Message.Content));
        Assert.Empty(notHis.Hits);
    }

    [Fact]
    public async Task AfterTheMigrationNewMessagesContinueBothCounters()
    {
        var database = new SqliteDatabase($"Data Source={_path}");
        var chats = new SqliteChatRepository(database);
        var ravi = await new SqliteUserRepository(database).FindByNormalizedUserNameAsync("RAVI");
        var direct = (await chats.ListForUserAsync(ravi!.Id, 10)).Single(c => c.Title is null);

        var appended = await chats.AppendMessageAsync(direct.Id, ravi.Id, ravi.UserName, "after the upgrade", DateTimeOffset.UtcNow);

        Assert.Equal((5L, 5L, 5L), (appended!.Value.Message.Seq, appended.Value.Message.Version, appended.Value.Chat.Version));
    }

    [Fact]
    public async Task TheUpgradedAppServesTheOldAccountsAndResumesItsEventStreamByVersion()
    {
        using var app = new AppFactory(_folder.Path);
        var http = app.CreateClient();
        var token = await ApiClient.LogInAsync(http, "ravi", "correct horse");
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var chats = JsonDocument.Parse(await http.GetStringAsync("/api/chats")).RootElement;
        var trip = chats.EnumerateArray().Single(c => c.GetProperty("title").GetString() == "Trip");
        var chatId = trip.GetProperty("id").GetString()!;
        await using var events = await EventStreamReader.OpenAsync(http, $"/api/chats/{chatId}/events", lastEventId: "3");
        var fourth = await events.NextOfTypeAsync("message");
        var fifth = await events.NextOfTypeAsync("message");

        Assert.Equal(5, trip.GetProperty("version").GetInt64());
        Assert.Equal(("4", "5"), (fourth.Id, fifth.Id));
        Assert.Equal("Trip 5", JsonDocument.Parse(fifth.Data).RootElement.GetProperty("content").GetString());
    }
}
