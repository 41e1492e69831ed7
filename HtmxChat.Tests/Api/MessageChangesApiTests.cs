using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>Editing, deleting and reacting through the API (API.md v2), and how the event stream carries it.</summary>
public sealed class MessageChangesApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(ApiClient Ada, ApiClient Bob, string ChatId, string MessageId)> ChatWithAMessageAsync(string content = "hello")
    {
        var ada = await ApiClient.RegisterAsync(app.Factory);
        var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var sent = await ada.SendAsync(chatId, content);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return (ada, bob, chatId, messageId);
    }

    private static Task<HttpResponseMessage> EditAsync(ApiClient api, string chatId, string messageId, object body) =>
        api.Http.PatchAsJsonAsync($"/api/chats/{chatId}/messages/{messageId}", body);

    private static Task<HttpResponseMessage> ReactAsync(ApiClient api, string chatId, string messageId, string reaction, bool on) =>
        on ? api.Http.PutAsync($"/api/chats/{chatId}/messages/{messageId}/reactions/{Uri.EscapeDataString(reaction)}", null)
           : api.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}/reactions/{Uri.EscapeDataString(reaction)}");

    [Fact]
    public async Task TheSenderEditsAMessageAndEveryoneReadsTheNewTextMarkedEdited()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync("helo");
        using (ada)
        using (bob)
        {
            using var edited = await EditAsync(ada, chatId, messageId, new { content = "hello" });
            var body = await edited.Content.ReadFromJsonAsync<JsonElement>();
            var seen = await bob.GetJsonAsync($"/api/chats/{chatId}/messages");
            var chat = await bob.GetJsonAsync($"/api/chats/{chatId}");

            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
            Assert.Equal(("hello", 2L, 1L), (body.GetProperty("content").GetString(), body.GetProperty("version").GetInt64(), body.GetProperty("seq").GetInt64()));
            Assert.NotEqual(JsonValueKind.Null, body.GetProperty("editedAt").ValueKind);
            Assert.Equal("hello", seen.GetProperty("messages")[0].GetProperty("content").GetString());
            Assert.Equal(("hello", 2L), (chat.GetProperty("lastMessage").GetProperty("content").GetString(), chat.GetProperty("version").GetInt64()));
        }
    }

    [Fact]
    public async Task EditingIsForTheSenderOnlyAndNotForADeletedMessage()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            using var outsider = await ApiClient.RegisterAsync(app.Factory);
            using var byBob = await EditAsync(bob, chatId, messageId, new { content = "mine now" });
            using var byOutsider = await EditAsync(outsider, chatId, messageId, new { content = "mine now" });
            using var empty = await EditAsync(ada, chatId, messageId, new { content = "   " });
            using var unknown = await EditAsync(ada, chatId, "000000000000000000000000", new { content = "x" });
            (await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}")).Dispose();
            using var afterDelete = await EditAsync(ada, chatId, messageId, new { content = "too late" });

            await byBob.AssertProblemAsync(HttpStatusCode.Forbidden);
            await byOutsider.AssertProblemAsync(HttpStatusCode.NotFound);
            var problem = await empty.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("content", out _));
            await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
            await afterDelete.AssertProblemAsync(HttpStatusCode.Conflict);
        }
    }

    [Fact]
    public async Task ADeletedMessageIsATombstoneInTheLogAndThePreview()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync("oops");
        using (ada)
        using (bob)
        {
            await ReactAsync(bob, chatId, messageId, "👍", on: true);
            using var byBob = await bob.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");
            using var deleted = await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");
            using var again = await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");
            var tombstone = (await bob.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages")[0];
            var chat = await bob.GetJsonAsync($"/api/chats/{chatId}");

            await byBob.AssertProblemAsync(HttpStatusCode.Forbidden);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
            Assert.Equal((messageId, 1L, "", true, 0), (tombstone.GetProperty("id").GetString(), tombstone.GetProperty("seq").GetInt64(),
                tombstone.GetProperty("content").GetString(), tombstone.GetProperty("deleted").GetBoolean(), tombstone.GetProperty("reactions").GetArrayLength()));
            Assert.Equal(3L, chat.GetProperty("version").GetInt64());
        }
    }

    [Fact]
    public async Task AnAdminMayDeleteAnyonesMessage()
    {
        using var folder = new TempFolder();
        using var withAdmin = new AppFactory(folder.Path, new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = "root password" });
        using var ada = await ApiClient.RegisterAsync(withAdmin);
        using var admin = withAdmin.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await ApiClient.LogInAsync(admin, "root", "root password"));
        var chatId = await ada.CreateChatIdAsync("root");
        using var sent = await ada.SendAsync(chatId, "spam");
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var deleted = await admin.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task ReactionsToggleCountOncePerPersonAndSayWhoseTheyAre()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            await ReactAsync(ada, chatId, messageId, "👍", on: true);
            await ReactAsync(bob, chatId, messageId, "👍", on: true);
            await ReactAsync(bob, chatId, messageId, "👍", on: true);
            using var ship = await ReactAsync(bob, chatId, messageId, "ship-it", on: true);
            var forBob = await ship.Content.ReadFromJsonAsync<JsonElement>();
            using var taken = await ReactAsync(ada, chatId, messageId, "👍", on: false);
            var forAda = await taken.Content.ReadFromJsonAsync<JsonElement>();

            var bobThumbs = forBob.GetProperty("reactions")[0];
            Assert.Equal(("👍", 2, true), (bobThumbs.GetProperty("emoji").GetString(), bobThumbs.GetProperty("count").GetInt32(), bobThumbs.GetProperty("mine").GetBoolean()));
            Assert.Equal([ada.UserName, bob.UserName], bobThumbs.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
            Assert.Equal("ship-it", forBob.GetProperty("reactions")[1].GetProperty("emoji").GetString());
            var adaThumbs = forAda.GetProperty("reactions")[0];
            Assert.Equal((1, false), (adaThumbs.GetProperty("count").GetInt32(), adaThumbs.GetProperty("mine").GetBoolean()));
            Assert.Equal(5L, forAda.GetProperty("version").GetInt64());
        }
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("seventeen-letters")]
    [InlineData("tab\there")]
    [InlineData("\u0007")]
    public async Task ABadReactionIsAValidationProblem(string reaction)
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            using var response = await ReactAsync(ada, chatId, messageId, reaction, on: true);

            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("reaction", out _));
        }
    }

    [Fact]
    public async Task MarkupAsAReactionIsKeptAsText()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            using var response = await ReactAsync(ada, chatId, messageId, "<b>", on: true);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("<b>", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reactions")[0].GetProperty("emoji").GetString());
        }
    }

    [Fact]
    public async Task ADeletedMessageTakesNoReactions()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            (await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}")).Dispose();

            using var response = await ReactAsync(bob, chatId, messageId, "👍", on: true);

            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task EditsDeletionsAndReactionsCountTowardTheSendLimit()
    {
        using var folder = new TempFolder();
        using var limited = new AppFactory(folder.Path, new Dictionary<string, string?> { ["Chat:SendBurst"] = "3", ["Chat:SendsPerMinute"] = "1" });
        using var ada = await ApiClient.RegisterAsync(limited);
        using var bob = await ApiClient.RegisterAsync(limited);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        using var sent = await ada.SendAsync(chatId, "one");
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using var edit = await EditAsync(ada, chatId, messageId, new { content = "two" });
        using var react = await ReactAsync(ada, chatId, messageId, "👍", on: true);
        using var tooMany = await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (edit.StatusCode, react.StatusCode));
        await tooMany.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(tooMany.Headers.RetryAfter);
    }

    [Fact]
    public async Task MalformedEditBodiesAre400()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        {
            foreach (var body in new[] { "{", "{\"content\": 5}", "[]", "null" })
            {
                using var response = await ada.Http.PatchAsync($"/api/chats/{chatId}/messages/{messageId}", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            }
        }
    }

    [Fact]
    public async Task AReconnectingStreamGetsEachChangedMessageOnceInItsCurrentState()
    {
        var (ada, bob, chatId, first) = await ChatWithAMessageAsync("first");
        using (ada)
        using (bob)
        {
            using var second = await ada.SendAsync(chatId, "second");
            var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            // Bob saw up to version 2. Then: an edit of the first, a new third, an edit and a reaction on the third, the second deleted.
            (await EditAsync(ada, chatId, first, new { content = "first, edited" })).Dispose();
            using var third = await ada.SendAsync(chatId, "third");
            var thirdId = (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            (await EditAsync(ada, chatId, thirdId, new { content = "third, edited" })).Dispose();
            (await ReactAsync(bob, chatId, thirdId, "🎉", on: true)).Dispose();
            (await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{secondId}")).Dispose();

            await using var events = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events", lastEventId: "2");
            var replayed = new List<ServerSentEvent>();
            for (var i = 0; i < 3; i++)
            {
                replayed.Add((await events.NextAsync())!);
            }
            (await ReactAsync(ada, chatId, first, "👍", on: true)).Dispose();
            var live = (await events.NextAsync())!;

            string Describe(ServerSentEvent e)
            {
                var m = JsonDocument.Parse(e.Data).RootElement;
                return $"{e.Type} {e.Id} {m.GetProperty("seq").GetInt64()} '{m.GetProperty("content").GetString()}' {m.GetProperty("reactions").GetArrayLength()}";
            }
            Assert.Equal(
                ["message.updated 3 1 'first, edited' 0", "message 6 3 'third, edited' 1", "message.deleted 7 2 '' 0"],
                replayed.Select(Describe));
            Assert.Equal("message.updated 8 1 'first, edited' 1", Describe(live));
        }
    }

    [Fact]
    public async Task AReplyQuotesTheOriginalAsItReadsNow()
    {
        var (ada, bob, chatId, originalId) = await ChatWithAMessageAsync("where shall we meet?");
        using (ada)
        using (bob)
        {
            using var replied = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "at the station", replyTo = originalId });
            var reply = await replied.Content.ReadFromJsonAsync<JsonElement>();
            (await EditAsync(ada, chatId, originalId, new { content = "where shall we meet tomorrow?" })).Dispose();
            var afterEdit = (await bob.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages")[1].GetProperty("replyTo");
            (await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{originalId}")).Dispose();
            var afterDelete = (await bob.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages")[1].GetProperty("replyTo");

            Assert.Equal(HttpStatusCode.Created, replied.StatusCode);
            var quoted = reply.GetProperty("replyTo");
            Assert.Equal((originalId, 1L, ada.UserName, "where shall we meet?"),
                (quoted.GetProperty("id").GetString(), quoted.GetProperty("seq").GetInt64(), quoted.GetProperty("senderName").GetString(), quoted.GetProperty("excerpt").GetString()));
            Assert.Equal("where shall we meet tomorrow?", afterEdit.GetProperty("excerpt").GetString());
            Assert.Equal("", afterDelete.GetProperty("excerpt").GetString());
        }
    }

    [Fact]
    public async Task AReplyToAMessageOfAnotherChatOrToADeletedOneIsRefused()
    {
        var (ada, bob, chatId, messageId) = await ChatWithAMessageAsync();
        var (carol, dave, otherChat, otherMessage) = await ChatWithAMessageAsync();
        using (ada)
        using (bob)
        using (carol)
        using (dave)
        {
            using var elsewhere = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "hi", replyTo = otherMessage });
            using var unknown = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "hi", replyTo = "not-an-id" });
            (await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}")).Dispose();
            using var toDeleted = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "hi", replyTo = messageId });

            foreach (var response in new[] { elsewhere, unknown, toDeleted })
            {
                var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
                Assert.True(problem.GetProperty("errors").TryGetProperty("replyTo", out _));
            }
        }
    }

    [Fact]
    public async Task AroundGivesTheMessageWithOthersOnBothSides()
    {
        var (ada, bob, chatId, _) = await ChatWithAMessageAsync("m1");
        using (ada)
        using (bob)
        {
            for (var i = 2; i <= 30; i++)
            {
                (await ada.SendAsync(chatId, $"m{i}")).Dispose();
            }

            var middle = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?around=15&limit=10");
            var start = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?around=1&limit=4");
            var end = await bob.GetJsonAsync($"/api/chats/{chatId}/messages?around=30&limit=4");
            using var both = await bob.Http.GetAsync($"/api/chats/{chatId}/messages?around=3&before=10");
            using var zero = await bob.Http.GetAsync($"/api/chats/{chatId}/messages?around=0");

            static long[] Seqs(JsonElement page) => [.. page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64())];
            Assert.Equal([10L, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], Seqs(middle));
            Assert.Equal((true, true), (middle.GetProperty("hasMore").GetBoolean(), middle.GetProperty("hasMoreAfter").GetBoolean()));
            Assert.Equal([1L, 2, 3, 4, 5], Seqs(start));
            Assert.Equal((false, true), (start.GetProperty("hasMore").GetBoolean(), start.GetProperty("hasMoreAfter").GetBoolean()));
            Assert.Equal([26L, 27, 28, 29, 30], Seqs(end));
            Assert.False(end.GetProperty("hasMoreAfter").GetBoolean());
            await both.AssertProblemAsync(HttpStatusCode.BadRequest);
            await zero.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.False((await bob.GetJsonAsync($"/api/chats/{chatId}/messages?limit=5")).TryGetProperty("hasMoreAfter", out _));
        }
    }

    [Fact]
    public async Task MentionsOfParticipantsAreStoredCountedUntilReadAndFollowEdits()
    {
        var (ada, bob, chatId, _) = await ChatWithAMessageAsync("hello");
        using (ada)
        using (bob)
        {
            using var outsider = await ApiClient.RegisterAsync(app.Factory);
            using var sent = await ada.SendAsync(chatId, $"@{bob.UserName.ToUpperInvariant()}. can you check? cc @{outsider.UserName} @nobody_here");
            var message = await sent.Content.ReadFromJsonAsync<JsonElement>();
            var mentions = message.GetProperty("mentions");
            var messageId = message.GetProperty("id").GetString()!;
            var beforeRead = await bob.GetJsonAsync($"/api/chats/{chatId}");
            var forAda = await ada.GetJsonAsync($"/api/chats/{chatId}");

            Assert.Equal([bob.UserName], mentions.EnumerateArray().Select(m => m.GetProperty("username").GetString()));
            Assert.Equal(bob.UserId, mentions[0].GetProperty("id").GetString());
            Assert.Equal(1L, beforeRead.GetProperty("mentionCount").GetInt64());
            Assert.Equal(0L, forAda.GetProperty("mentionCount").GetInt64());

            (await EditAsync(ada, chatId, messageId, new { content = "never mind" })).Dispose();
            Assert.Equal(0L, (await bob.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("mentionCount").GetInt64());

            (await ada.SendAsync(chatId, $"@{bob.UserName} really")).Dispose();
            Assert.Equal(1L, (await bob.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("mentionCount").GetInt64());
            using var read = await bob.Http.PostAsJsonAsync($"/api/chats/{chatId}/read", new { seq = 3 });
            Assert.Equal(0L, (await bob.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("mentionCount").GetInt64());
        }
    }
}
