using System.Net;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Chats;

public sealed class ChatPagesTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(BrowserClient Browser, string Name)> SignedInAsync(string prefix = "user")
    {
        var browser = app.Browser();
        var name = BrowserClient.UniqueName(prefix);
        using var registered = await browser.RegisterAsync(name);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        return (browser, name);
    }

    [Fact]
    public async Task AnUnknownParticipantIsReportedBesideTheFieldAndTheTypedValuesStay()
    {
        var (ada, _) = await SignedInAsync();

        using var response = await ada.PostFormAsync("/chats", "/chats", [new("Participants", "no_such_person"), new("Title", "Plans")]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"Participants-error\">No user named &#x27;no_such_person&#x27;.", html);
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("value=\"no_such_person\"", html);
        Assert.Contains("value=\"Plans\"", html);
    }

    [Fact]
    public async Task NamingOnlyYourselfIsRefused()
    {
        var (ada, adaName) = await SignedInAsync();

        using var response = await ada.PostFormAsync("/chats", "/chats", [new("Participants", adaName.ToUpperInvariant())]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Name at least one other person", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StartingADirectChatAgainOpensTheSameChatForEitherPerson()
    {
        var (ada, adaName) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();

        var first = await ada.StartChatAsync(bobName);
        var again = await ada.StartChatAsync(bobName.ToUpperInvariant());
        var fromBob = await bob.StartChatAsync(adaName);
        var titled = await ada.StartChatAsync(bobName, "A titled chat is a new chat");

        Assert.Equal(first, again);
        Assert.Equal(first, fromBob);
        Assert.NotEqual(first, titled);
    }

    [Fact]
    public async Task OutsidersGetNotFoundForThePageTheFragmentTheStreamAndSending()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var (eve, _) = await SignedInAsync("eve");
        var chatId = await ada.StartChatAsync(bobName);

        using var page = await eve.Http.GetAsync($"/chats/{chatId}");
        using var fragment = await eve.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/chats/{chatId}/messages?before=10") { Headers = { { "HX-Request", "true" } } });
        using var stream = await eve.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/chats/events?open={chatId}") { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead);
        using var send = await eve.SendHtmxAsync(chatId, "let me in");
        using var missing = await eve.Http.GetAsync("/chats/not-an-id");

        Assert.Equal(
            [HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
            new[] { page.StatusCode, fragment.StatusCode, stream.StatusCode, send.StatusCode, missing.StatusCode });
        Assert.DoesNotContain("let me in", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Fact]
    public async Task APlainFormSendRedirectsBackToTheChatWhichShowsTheMessage()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var response = await ada.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/messages", [new("content", "by plain form")]);
        var page = await ada.GetPageAsync($"/chats/{chatId}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/chats/{chatId}", response.Headers.Location?.OriginalString);
        Assert.Contains("by plain form", page);
        Assert.Contains("role=\"log\"", page);
    }

    [Fact]
    public async Task AnHtmxSendAnswersWithAnEmptyFormAndTheMessageIsStoredExactlyAsSent()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var response = await ada.SendHtmxAsync(chatId, "  spaced  out  ");
        var form = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("<form id=\"send-form\"", form.Trim());
        Assert.DoesNotContain("<html", form);
        Assert.Contains("<p class=\"message-text mb-0\">  spaced  out  </p>", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Theory]
    [InlineData("   ", "Write a message first.")]
    [InlineData(null, "at most 4000 characters; this one has 4001")]
    public async Task ARefusedSendKeepsTheTextAndSaysWhy(string? content, string reason)
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        content ??= new string('x', 4001);

        using var response = await ada.SendHtmxAsync(chatId, content);
        var form = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, form);
        if (!string.IsNullOrWhiteSpace(content))
        {
            Assert.Contains($"value=\"{content}\"", form);
        }
        Assert.DoesNotContain("class=\"message\"", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Fact]
    public async Task FourThousandCharactersAreAccepted()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var response = await ada.SendHtmxAsync(chatId, new string('y', 4000));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnHtmxSendWithoutTheAntiforgeryTokenIsRefused()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var response = await ada.SendHtmxAsync(chatId, "forged", withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("forged", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Fact]
    public async Task MarkupInAMessageIsEncodedInThePageTheListAndTheStream()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=0");

        await ada.SendHtmxAsync(chatId, "<img src=x onerror=alert(1)>");
        var live = await stream.NextOfTypeAsync("chat-message");
        var page = await bob.GetPageAsync($"/chats/{chatId}");

        const string encoded = "&lt;img src=x onerror=alert(1)&gt;";
        Assert.Contains(encoded, live.Data);
        Assert.DoesNotContain("<img", live.Data);
        Assert.Contains($"<p class=\"message-text mb-0\">{encoded}</p>", page);
        Assert.Contains($": {encoded}</span>", page);
        Assert.DoesNotContain("<img src=x", page);
    }

    [Fact]
    public async Task TheStreamReplaysEverythingAfterTheGivenSeqThenGoesLive()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        foreach (var text in new[] { "one", "two", "three" })
        {
            await ada.SendHtmxAsync(chatId, text);
        }

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=1");
        var two = await stream.NextOfTypeAsync("chat-message");
        var three = await stream.NextOfTypeAsync("chat-message");
        await ada.SendHtmxAsync(chatId, "four");
        var four = await stream.NextOfTypeAsync("chat-message");

        Assert.Equal(("2", "3", "4"), (two.Id, three.Id, four.Id));
        Assert.Contains(">two</p>", two.Data);
        Assert.Contains(">three</p>", three.Data);
        Assert.Contains(">four</p>", four.Data);
        Assert.Contains("id=\"m-4\"", four.Data);
        Assert.Equal("2000", stream.Retry);
    }

    [Fact]
    public async Task AReconnectWithLastEventIdResumesAfterItEvenWhenTheUrlSaysOlder()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        foreach (var text in new[] { "one", "two", "three" })
        {
            await ada.SendHtmxAsync(chatId, text);
        }

        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=0", lastEventId: "2");
        var next = await stream.NextOfTypeAsync("chat-message");

        Assert.Equal("3", next.Id);
    }

    [Fact]
    public async Task TheStreamUpdatesTheListForOtherChatsWithPreviewAndUnreadCount()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        await ada.SendHtmxAsync(chatId, "first");
        await ada.SendHtmxAsync(chatId, "second");
        var activity = await stream.NextOfTypeAsync("chat-activity");
        await stream.NextOfTypeAsync("chat-unread");
        var secondActivity = await stream.NextOfTypeAsync("chat-activity");
        var unread = await stream.NextOfTypeAsync("chat-unread");

        Assert.Contains($"id=\"chat-preview-{chatId}\"", activity.Data);
        Assert.Contains("hx-swap-oob=\"true\"", activity.Data);
        Assert.Contains("first", activity.Data);
        Assert.Contains("second", secondActivity.Data);
        Assert.Contains($"id=\"unread-{chatId}\"", unread.Data);
        Assert.Contains(">2<span class=\"visually-hidden\"> unread</span>", unread.Data);
    }

    [Fact]
    public async Task AChatStartedBySomeoneElseAppearsInTheList()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        var chatId = await ada.StartChatAsync(bobName, "Surprise");
        var started = await stream.NextOfTypeAsync("chat-started");

        Assert.Contains("hx-swap-oob=\"afterbegin:#chat-list\"", started.Data);
        Assert.Contains($"id=\"chat-row-{chatId}\"", started.Data);
        Assert.Contains(">Surprise</a>", started.Data);
    }

    [Fact]
    public async Task OpeningAChatReadsItForEveryTabOfThatPerson()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        await ada.SendHtmxAsync(chatId, "unread one");
        await ada.SendHtmxAsync(chatId, "unread two");
        Assert.Contains(">2<span class=\"visually-hidden\"> unread</span>", await bob.GetPageAsync("/chats"));
        await using var otherTab = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        await bob.GetPageAsync($"/chats/{chatId}");
        var read = await otherTab.NextOfTypeAsync("chat-unread");

        Assert.Contains(" hidden hx-swap-oob=\"true\"></span>", read.Data);
        Assert.DoesNotContain("visually-hidden\"> unread", await bob.GetPageAsync("/chats"));
    }

    [Fact]
    public async Task ReceivingWhileTheChatIsOpenReadsItForTheOtherTabs()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        await using var openTab = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=0");
        await using var listTab = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        await ada.SendHtmxAsync(chatId, "seen live");
        await openTab.NextOfTypeAsync("chat-message");
        await listTab.NextOfTypeAsync("chat-unread");
        var read = await listTab.NextOfTypeAsync("chat-unread");

        Assert.Contains(" hidden hx-swap-oob=\"true\"></span>", read.Data);
        Assert.DoesNotContain("visually-hidden\"> unread", await bob.GetPageAsync("/chats"));
    }

    [Fact]
    public async Task CatchingUpOnReconnectReadsWhatWasMissed()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        await ada.SendHtmxAsync(chatId, "missed one");
        await ada.SendHtmxAsync(chatId, "missed two");
        await using var listTab = await EventStreamReader.OpenAsync(bob.Http, "/chats/events");

        await using var reconnected = await EventStreamReader.OpenAsync(bob.Http, $"/chats/events?open={chatId}&after=0");
        await reconnected.NextOfTypeAsync("chat-message");
        await reconnected.NextOfTypeAsync("chat-message");
        var read = await listTab.NextOfTypeAsync("chat-unread");

        Assert.Contains(" hidden hx-swap-oob=\"true\"></span>", read.Data);
    }

    [Fact]
    public async Task LoggingOutClosesThatBrowsersStreams()
    {
        var (ada, _) = await SignedInAsync();
        await using var stream = await EventStreamReader.OpenAsync(ada.Http, "/chats/events");

        await ada.LogOutAsync();

        Assert.Null(await stream.NextAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task AStreamRequestWithoutSignInGets401NotARedirect()
    {
        using var browser = app.Browser();

        using var response = await browser.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "/chats/events") { Headers = { { "Accept", "text/event-stream" } } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OlderMessagesComeAsAFragmentWithALinkToTheOnesBeforeThem()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        var store = app.Factory.Services.GetService(typeof(HtmxChat.Web.Storage.IChatRepository)) as HtmxChat.Web.Storage.IChatRepository;
        var adaId = await ada.UserIdAsync();
        for (var i = 1; i <= 120; i++)
        {
            await store!.AppendMessageAsync(chatId, adaId, "ada", $"m{i}", DateTimeOffset.UtcNow);
        }

        var page = await ada.GetPageAsync($"/chats/{chatId}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/chats/{chatId}/messages?before=71");
        request.Headers.Add("HX-Request", "true");
        using var older = await ada.Http.SendAsync(request);
        var fragment = await older.Content.ReadAsStringAsync();

        Assert.Contains($"hx-get=\"/chats/{chatId}/messages?before=71\"", page);
        Assert.DoesNotContain(">m70</p>", page);
        Assert.Contains(">m71</p>", page);
        Assert.Contains("HX-Request", older.Headers.Vary);
        Assert.Contains($"hx-get=\"/chats/{chatId}/messages?before=21\"", fragment);
        Assert.Contains(">m21</p>", fragment);
        Assert.Contains(">m70</p>", fragment);
        Assert.DoesNotContain(">m71</p>", fragment);
        Assert.DoesNotContain("<html", fragment);
    }

    [Fact]
    public async Task PagingOutsideTheRulesIs400OnThePagesAsOnTheApi()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var page = await ada.Http.GetAsync($"/chats/{chatId}?before=0");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/chats/{chatId}/messages?before=-5");
        request.Headers.Add("HX-Request", "true");
        using var fragment = await ada.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, fragment.StatusCode);
    }

    [Fact]
    public async Task WithoutJavaScriptEditAndDeleteArePagesWhosePostsRedirectToTheChat()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        (await ada.SendHtmxAsync(chatId, "typo heer")).Dispose();
        var messageId = System.Text.RegularExpressions.Regex.Match(await ada.GetPageAsync($"/chats/{chatId}"), "/messages/([0-9a-f]{24})/edit").Groups[1].Value;
        var url = $"/chats/{chatId}/messages/{messageId}";

        var editPage = await ada.GetPageAsync($"{url}/edit");
        using var edited = await ada.PostFormAsync($"{url}/edit", $"{url}/edit", [new("content", "typo here")]);
        using var bobsEdit = await bob.Http.GetAsync($"{url}/edit");
        var deletePage = await ada.GetPageAsync($"{url}/delete");
        using var deleted = await ada.PostFormAsync($"{url}/delete", $"{url}/delete", []);
        var chat = await ada.GetPageAsync($"/chats/{chatId}");

        Assert.Contains("Edit message", editPage);
        Assert.Contains("value=\"typo heer\"", editPage);
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        Assert.Equal($"/chats/{chatId}?at=1#m-1", edited.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Forbidden, bobsEdit.StatusCode);
        Assert.Contains("Delete this message?", deletePage);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Contains("This message was deleted.", chat);
        Assert.DoesNotContain("typo here", chat);
    }

    [Fact]
    public async Task AnEmptyEditIsRefusedBesideTheFieldAndKeepsTheMessage()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        (await ada.SendHtmxAsync(chatId, "keep")).Dispose();
        var messageId = System.Text.RegularExpressions.Regex.Match(await ada.GetPageAsync($"/chats/{chatId}"), "/messages/([0-9a-f]{24})/edit").Groups[1].Value;
        var url = $"/chats/{chatId}/messages/{messageId}";

        using var refused = await ada.PostFormAsync($"{url}/edit", $"{url}/edit", [new("content", "  ")]);
        var form = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("role=\"alert\"", form);
        Assert.Contains("Write a message first.", form);
        Assert.Contains(">keep</p>", await ada.GetPageAsync($"/chats/{chatId}"));
    }

    [Fact]
    public async Task AReactionPostedFromThePageIsStoredAndShownWithItsCount()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        (await ada.SendHtmxAsync(chatId, "react")).Dispose();
        var messageId = System.Text.RegularExpressions.Regex.Match(await ada.GetPageAsync($"/chats/{chatId}"), "/messages/([0-9a-f]{24})/edit").Groups[1].Value;

        using var reacted = await bob.PostFormAsync($"/chats/{chatId}", $"/chats/{chatId}/messages/{messageId}/reactions", [new("reaction", "👍"), new("on", "true")]);
        var page = await ada.GetPageAsync($"/chats/{chatId}");

        Assert.Equal(HttpStatusCode.Redirect, reacted.StatusCode);
        Assert.Contains("aria-pressed=\"false\"", page);
        Assert.Contains("👍 1</button>", WebUtility.HtmlDecode(page));
    }

    [Fact]
    public async Task AMentionIsHighlightedAsTextAndTheMentionedPersonsListShowsAnAtBadge()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        (await ada.SendHtmxAsync(chatId, $"<b>look</b> @{bobName}!")).Dispose();
        var adaPage = await ada.GetPageAsync($"/chats/{chatId}");
        var bobList = await bob.GetPageAsync("/chats");

        Assert.Contains($"&lt;b&gt;look&lt;/b&gt; <span class=\"mention\">@{bobName}</span>!</p>", adaPage);
        Assert.Contains($"data-mentions=\"{await bob.UserIdAsync()}\"", adaPage);
        Assert.Contains($"id=\"mentions-{chatId}\" class=\"badge rounded-pill text-bg-warning mention-badge\">@", bobList);
    }

    [Fact]
    public async Task OpeningAChatAtASeqBeyondItsNewestShowsTheNewestMessages()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        (await ada.SendHtmxAsync(chatId, "only one")).Dispose();

        var page = await ada.GetPageAsync($"/chats/{chatId}?at={long.MaxValue}");

        Assert.Contains(">only one</p>", page);
        Assert.Contains("message-highlight", page);
    }
}
