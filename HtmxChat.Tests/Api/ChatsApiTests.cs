using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

public sealed class ChatsApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private Task<ApiClient> NewClientAsync() => ApiClient.RegisterAsync(app.Factory);

    private static long[] Seqs(JsonElement page) => [.. page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64())];

    [Fact]
    public async Task MeAndUserSearchDescribeUsers()
    {
        using var api = await NewClientAsync();
        var prefix = $"srch{Guid.NewGuid():N}"[..12];
        foreach (var suffix in new[] { "B", "a", "c" })
        {
            using var _ = await ApiClient.RegisterAsync(app.Factory, prefix + suffix);
        }

        var me = await api.GetJsonAsync("/api/me");
        var found = await api.GetJsonAsync($"/api/users?search={prefix.ToUpperInvariant()}");

        Assert.Equal(api.UserId, me.GetProperty("id").GetString());
        Assert.Equal("UTC", me.GetProperty("timeZone").GetString());
        Assert.Equal([prefix + "a", prefix + "B", prefix + "c"], found.EnumerateArray().Select(u => u.GetProperty("username").GetString()));
    }

    [Fact]
    public async Task UserSearchReturnsAtMostTwenty()
    {
        using var api = await NewClientAsync();

        var found = await api.GetJsonAsync("/api/users?search=");

        Assert.InRange(found.GetArrayLength(), 1, 20);
    }

    [Fact]
    public async Task CreatingAChatAddsTheCallerAndADirectChatIsReused()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();

        using var created = await ada.Http.PostAsJsonAsync("/api/chats", new { participants = new[] { bob.UserName } });
        using var again = await bob.Http.PostAsJsonAsync("/api/chats", new { participants = new[] { ada.UserName } });
        var chat = await created.Content.ReadFromJsonAsync<JsonElement>();
        var reused = await again.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/chats/{chat.GetProperty("id").GetString()}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(chat.GetProperty("id").GetString(), reused.GetProperty("id").GetString());
        Assert.Equal([ada.UserName, bob.UserName], chat.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("username").GetString()));
        Assert.Equal(JsonValueKind.Null, chat.GetProperty("lastMessage").ValueKind);
        Assert.Equal(0, chat.GetProperty("unreadCount").GetInt64());
    }

    [Theory]
    [InlineData("{\"participants\":[\"no_such_user_at_all\"]}", "participants")]
    [InlineData("{\"participants\":[]}", "participants")]
    [InlineData("{}", "participants")]
    public async Task BadParticipantsAreAValidationProblem(string body, string field)
    {
        using var ada = await NewClientAsync();

        using var response = await ada.Http.PostAsync("/api/chats", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task OnlyTheCallerIsNotAChat()
    {
        using var ada = await NewClientAsync();

        using var response = await ada.Http.PostAsJsonAsync("/api/chats", new { participants = new[] { ada.UserName } });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnOutsiderGetsTheSame404AsForAChatThatDoesNotExist()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        using var eve = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        foreach (var (method, url, body) in new[]
        {
            (HttpMethod.Get, $"/api/chats/{chatId}", (object?)null),
            (HttpMethod.Get, $"/api/chats/{chatId}/messages", null),
            (HttpMethod.Post, $"/api/chats/{chatId}/messages", new { content = "hi" }),
            (HttpMethod.Post, $"/api/chats/{chatId}/read", new { seq = 1 }),
            (HttpMethod.Get, $"/api/chats/{chatId}/events", null),
        })
        {
            using var outsider = await eve.Http.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
            using var missing = await eve.Http.SendAsync(new HttpRequestMessage(method, url.Replace(chatId, "000000000000000000000000", StringComparison.Ordinal)) { Content = body is null ? null : JsonContent.Create(body) });
            var a = await outsider.AssertProblemAsync(HttpStatusCode.NotFound);
            var b = await missing.AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task SentMessagesGetIncreasingSeqsAndShowInTheChatList()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var first = await ada.SendAsync(chatId, "  first, exactly as sent  ");
        using var second = await bob.SendAsync(chatId, "second");
        var message = await first.Content.ReadFromJsonAsync<JsonElement>();
        var bobsList = await bob.GetJsonAsync("/api/chats");
        var adasChat = await ada.GetJsonAsync($"/api/chats/{chatId}");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal((1, "  first, exactly as sent  ", ada.UserId, ada.UserName, chatId),
            (message.GetProperty("seq").GetInt64(), message.GetProperty("content").GetString(), message.GetProperty("senderId").GetString(),
             message.GetProperty("senderName").GetString(), message.GetProperty("chatId").GetString()));
        Assert.Equal(2, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64());
        var listed = bobsList.EnumerateArray().Single(c => c.GetProperty("id").GetString() == chatId);
        Assert.Equal("second", listed.GetProperty("lastMessage").GetProperty("content").GetString());
        Assert.Equal(0, listed.GetProperty("unreadCount").GetInt64());
        Assert.Equal(1, adasChat.GetProperty("unreadCount").GetInt64());
    }

    [Fact]
    public async Task TheChatListPutsTheMostRecentActivityFirst()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        using var cy = await NewClientAsync();
        var withBob = await ada.CreateChatIdAsync(bob.UserName);
        var withCy = await ada.CreateChatIdAsync(cy.UserName);
        await Task.Delay(5);

        await bob.SendAsync(withBob, "bump");
        var list = await ada.GetJsonAsync("/api/chats");

        Assert.Equal([withBob, withCy], list.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task FourThousandCharactersAreAMessageAndFourThousandAndOneAreNot()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var fits = await ada.SendAsync(chatId, new string('a', 4000));
        using var tooLong = await ada.SendAsync(chatId, new string('a', 4001));
        using var blank = await ada.SendAsync(chatId, " \n ");

        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.True((await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("content", out _));
        await blank.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MessagesPageByBeforeAfterAndLimitWithHasMore()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        for (var i = 1; i <= 60; i++)
        {
            (await ada.SendAsync(chatId, $"m{i}")).Dispose();
        }

        var newest = await bob.GetJsonAsync($"/api/chats/{chatId}/messages");
        var before = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?before=11&limit=5");
        var after = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?after=57&limit=10");
        var first = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?before=3");
        var max = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?limit=100");

        Assert.Equal(Enumerable.Range(11, 50).Select(i => (long)i), Seqs(newest));
        Assert.True(newest.GetProperty("hasMore").GetBoolean());
        Assert.Equal([6L, 7, 8, 9, 10], Seqs(before));
        Assert.Equal([58L, 59, 60], Seqs(after));
        Assert.False(after.GetProperty("hasMore").GetBoolean());
        Assert.Equal([1L, 2], Seqs(first));
        Assert.False(first.GetProperty("hasMore").GetBoolean());
        Assert.Equal(60, Seqs(max).Length);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=abc")]
    [InlineData("before=0")]
    [InlineData("after=-1")]
    [InlineData("after=5&before=5")]
    [InlineData("before=99999999999999999999999")]
    public async Task BadPagingValuesAre400(string query)
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var response = await ada.Http.GetAsync($"/api/chats/{chatId}/messages?{query}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MarkingReadLowersTheUnreadCount()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        for (var i = 0; i < 3; i++)
        {
            (await ada.SendAsync(chatId, $"m{i}")).Dispose();
        }

        using var read = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/read", new { seq = 2 });
        var chat = await bob.GetJsonAsync($"/api/chats/{chatId}");
        using var beyond = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/read", new { seq = 1000 });
        var allRead = await bob.GetJsonAsync($"/api/chats/{chatId}");
        using var negative = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/read", new { seq = -1 });
        using var missing = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/read", new { });

        Assert.Equal(HttpStatusCode.NoContent, read.StatusCode);
        Assert.Equal(1, chat.GetProperty("unreadCount").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, beyond.StatusCode);
        Assert.Equal(0, allRead.GetProperty("unreadCount").GetInt64());
        await negative.AssertProblemAsync(HttpStatusCode.BadRequest);
        await missing.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AUsersChatsAreForThatUserOrAnAdminOnly()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        var own = await ada.GetJsonAsync($"/api/users/{ada.UserId}/chats");
        using var others = await bob.Http.GetAsync($"/api/users/{ada.UserId}/chats");

        Assert.Equal(chatId, own.EnumerateArray().Single().GetProperty("id").GetString());
        await others.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnAdminMayListAnyonesChatsAndGets404ForNobody()
    {
        using var folder = new TempFolder();
        using var withAdmin = new AppFactory(folder.Path, new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = "root password" });
        using var ada = await ApiClient.RegisterAsync(withAdmin);
        using var bob = await ApiClient.RegisterAsync(withAdmin);
        await ada.CreateChatIdAsync(bob.UserName);
        using var admin = withAdmin.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await ApiClient.LogInAsync(admin, "root", "root password"));

        var adas = await admin.GetFromJsonAsync<JsonElement>($"/api/users/{ada.UserId}/chats");
        using var nobody = await admin.GetAsync("/api/users/000000000000000000000000/chats");

        Assert.Equal(1, adas.GetArrayLength());
        await nobody.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheEventStreamReplaysAfterLastEventIdThenGoesLiveWithNothingLostOrRepeated()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        for (var i = 1; i <= 3; i++)
        {
            (await ada.SendAsync(chatId, $"m{i}")).Dispose();
        }

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events", lastEventId: "1");
        var replayed = new[] { await stream.NextAsync(), await stream.NextAsync() };
        (await ada.SendAsync(chatId, "m4")).Dispose();
        var live = await stream.NextAsync();

        Assert.All(replayed.Append(live), e => Assert.Equal("message", e!.Type));
        Assert.Equal(["2", "3", "4"], replayed.Append(live).Select(e => e!.Id));
        var message = JsonDocument.Parse(live!.Data).RootElement;
        Assert.Equal(("m4", 4L, chatId), (message.GetProperty("content").GetString(), message.GetProperty("seq").GetInt64(), message.GetProperty("chatId").GetString()));
        Assert.NotNull(stream.Retry);
    }

    [Fact]
    public async Task LastEventIdZeroReplaysTheWholeChat()
    {
        using var ada = await NewClientAsync();
        using var bob = await NewClientAsync();
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        (await ada.SendAsync(chatId, "sent while bob was away")).Dispose();

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events", lastEventId: "0");
        var first = await stream.NextAsync();

        Assert.Equal("1", first?.Id);
    }

    [Fact]
    public async Task TheEventStreamPingsEvenWhileTheCallersOtherChatsAreBusy()
    {
        using var folder = new TempFolder();
        using var fast = new AppFactory(folder.Path, new Dictionary<string, string?> { ["Chat:HeartbeatSeconds"] = "1" });
        using var ada = await ApiClient.RegisterAsync(fast);
        using var bob = await ApiClient.RegisterAsync(fast);
        var quiet = await ada.CreateChatIdAsync(bob.UserName);
        using var busy = await bob.Http.PostAsJsonAsync("/api/chats", new { participants = new[] { ada.UserName }, title = "busy" });
        var busyId = (await busy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await using var stream = await EventStreamReader.OpenAsync(ada.Http, $"/api/chats/{quiet}/events");

        var chatter = Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                (await bob.SendAsync(busyId, $"noise {i}")).Dispose();
                await Task.Delay(200);
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.NextAsync(TimeSpan.FromSeconds(2.5)));
        await chatter;

        Assert.Contains(": ping", stream.Comments);
    }

    [Fact]
    public async Task TheEventStreamPingsWhileIdle()
    {
        using var folder = new TempFolder();
        using var fast = new AppFactory(folder.Path, new Dictionary<string, string?> { ["Chat:HeartbeatSeconds"] = "1" });
        using var ada = await ApiClient.RegisterAsync(fast);
        using var bob = await ApiClient.RegisterAsync(fast);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        var readTask = stream.NextAsync(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => readTask);

        Assert.Contains(": ping", stream.Comments);
    }
}
