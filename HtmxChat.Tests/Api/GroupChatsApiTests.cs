using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>API.md v2: renaming group chats and changing their people, live, with system lines, and what removal takes away.</summary>
public sealed class GroupChatsApiTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public GroupChatsApiTests() =>
        _app = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = "root password" });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task ARenameIsOneVersionThatEveryoneSeesAsASystemLineAndAChatUpdate()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chat = await ada.CreateGroupAsync("Group", bob.UserName);
        var chatId = chat.GetProperty("id").GetString()!;
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");

        using var response = await ada.Http.PatchAsJsonAsync($"/api/chats/{chatId}", new { title = "Trip" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var renamed = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Trip", 1), (renamed.GetProperty("title").GetString(), renamed.GetProperty("version").GetInt32()));
        var line = await stream.NextAsync();
        var update = await stream.NextAsync();
        Assert.Equal(("message", null), (line?.Type, line?.Id));
        var lineMessage = JsonDocument.Parse(line!.Data).RootElement;
        Assert.Equal(("system", $"{ada.UserName} renamed the chat to \"Trip\""), (lineMessage.GetProperty("kind").GetString(), lineMessage.GetProperty("content").GetString()));
        Assert.Equal(("chat.updated", "1"), (update?.Type, update?.Id));
        Assert.Equal("Trip", JsonDocument.Parse(update!.Data).RootElement.GetProperty("title").GetString());
        var log = await bob.GetJsonAsync($"/api/chats/{chatId}/messages");
        Assert.Equal("system", log.GetProperty("messages")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task AReaderResumingBeforeARenameGetsTheLineAndTheChatOnce()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = (await ada.CreateGroupAsync("Group", bob.UserName)).GetProperty("id").GetString()!;
        (await ada.SendAsync(chatId, "first")).Dispose();
        (await ada.Http.PatchAsJsonAsync($"/api/chats/{chatId}", new { title = "One" })).Dispose();
        (await ada.Http.PatchAsJsonAsync($"/api/chats/{chatId}", new { title = "Two" })).Dispose();

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events", lastEventId: "1");
        var replayed = new List<ServerSentEvent>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add((await stream.NextAsync())!);
        }

        // The first rename's line is a message like any other now; the latest one comes with the chat as it is.
        Assert.Equal(["message:2", "message:", "chat.updated:3"], replayed.Select(e => $"{e.Type}:{e.Id}"));
        Assert.Equal("Two", JsonDocument.Parse(replayed[2].Data).RootElement.GetProperty("title").GetString());
        await stream.AssertQuietAsync(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task AddedPeopleSeeTheChatAndItsHistoryAndUnknownNamesAreRefused()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var cy = await ApiClient.RegisterAsync(_app);
        var chatId = (await ada.CreateGroupAsync("Group", bob.UserName)).GetProperty("id").GetString()!;
        (await bob.SendAsync(chatId, "before cy")).Dispose();

        using var unknown = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = new[] { "nobody_at_all" } });
        using var empty = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = Array.Empty<string>() });
        using var added = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = new[] { cy.UserName, ada.UserName } });

        Assert.True((await unknown.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("usernames", out _));
        await empty.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var listed = (await cy.GetJsonAsync("/api/chats")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == chatId);
        Assert.Equal(3, listed.GetProperty("participants").GetArrayLength());
        Assert.Equal(1, listed.GetProperty("unreadCount").GetInt32());
        var history = (await cy.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());
        Assert.Equal(["before cy", $"{bob.UserName} added {cy.UserName}"], history);
    }

    [Fact]
    public async Task ADirectChatStaysTwoPeopleWithoutATitle()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var cy = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var rename = await ada.Http.PatchAsJsonAsync($"/api/chats/{chatId}", new { title = "Us" });
        using var add = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = new[] { cy.UserName } });
        using var leave = await ada.Http.DeleteAsync($"/api/chats/{chatId}/participants/{ada.UserId}");

        await rename.AssertProblemAsync(HttpStatusCode.BadRequest);
        await add.AssertProblemAsync(HttpStatusCode.BadRequest);
        await leave.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(2, (await ada.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public async Task OnlyTheCreatorOrAnAdminRemovesOthersAndAnyoneMayLeave()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        using var cy = await ApiClient.RegisterAsync(_app);
        using var root = await RootAsync();
        var chatId = (await ada.CreateGroupAsync("Group", bob.UserName, cy.UserName, "root")).GetProperty("id").GetString()!;

        using var byBob = await bob.Http.DeleteAsync($"/api/chats/{chatId}/participants/{cy.UserId}");
        using var notIn = await ada.Http.DeleteAsync($"/api/chats/{chatId}/participants/no-such-person");
        using var byAdmin = await root.Http.DeleteAsync($"/api/chats/{chatId}/participants/{cy.UserId}");
        using var left = await bob.Http.DeleteAsync($"/api/chats/{chatId}/participants/{bob.UserId}");

        await byBob.AssertProblemAsync(HttpStatusCode.Forbidden);
        await notIn.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        var log = (await ada.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString());
        Assert.Equal([$"root removed {cy.UserName}", $"{bob.UserName} left"], log);
        Assert.Equal([ada.UserName, "root"], (await ada.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("username").GetString()));
    }

    [Fact]
    public async Task ARemovedPersonsStreamGetsTheLineThenEndsAndEveryWayInAnswers404()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = (await ada.CreateGroupAsync("Group", bob.UserName)).GetProperty("id").GetString()!;
        (await bob.SendAsync(chatId, "a memorable sentence")).Dispose();
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        using var socket = await ChatSocket.ConnectAsync(_app, bob.Token);
        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "send", chatId, content = "the socket is live" }));
        await socket.ReceiveOfTypeAsync("message");
        await stream.NextOfTypeAsync("message");

        using var removed = await ada.Http.DeleteAsync($"/api/chats/{chatId}/participants/{bob.UserId}");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal($"{ada.UserName} removed {bob.UserName}", JsonDocument.Parse((await stream.NextOfTypeAsync("message")).Data).RootElement.GetProperty("content").GetString());
        Assert.Equal("chat.updated", (await stream.NextAsync())?.Type);
        await stream.AssertEndsAsync();
        Assert.Equal("chat.updated", (await socket.ReceiveOfTypeAsync("chat.updated")).GetProperty("type").GetString());

        await (await bob.Http.GetAsync($"/api/chats/{chatId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.Http.GetAsync($"/api/chats/{chatId}/messages")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.Http.GetAsync($"/api/chats/{chatId}/events")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.SendAsync(chatId, "still here?")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.Http.GetAsync($"/api/search?q=memorable&chatId={chatId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await bob.GetJsonAsync("/api/search?q=memorable")).GetProperty("results").EnumerateArray());
        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "send", chatId, content = "via socket" }));
        var refused = await socket.ReceiveOfTypeAsync("error");
        Assert.Equal(404, refused.GetProperty("status").GetInt32());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task AChatHasAtMost51People()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        var people = new List<string>();
        for (var i = 0; i < 51; i++)
        {
            using var person = await ApiClient.RegisterAsync(_app);
            people.Add(person.UserName);
        }
        var chatId = (await ada.CreateGroupAsync("Big", [.. people.Take(49)])).GetProperty("id").GetString()!;

        using var fits = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = new[] { people[49] } });
        using var over = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/participants", new { usernames = new[] { people[50] } });

        Assert.Equal(51, (await fits.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("participants").GetArrayLength());
        await over.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    private Task<ApiClient> RootAsync() => ApiClient.LogInExistingAsync(_app, "root", "root password");
}
