using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

public sealed partial class ChatTests(BrowserFixture browser) : E2ETest(browser)
{
    private static readonly LocatorAssertionsToHaveTextOptions WithinASecond = new() { Timeout = 1_000 };

    [GeneratedRegex("/chats/[0-9a-f]{24}$")]
    private static partial Regex ChatUrl();

    /// <summary>Starts a chat from <paramref name="starter"/>'s page and opens it in <paramref name="others"/>' pages.</summary>
    private static async Task<string> StartChatAsync(ChatPage starter, IPage starterPage, string participants, string? title, params IPage[] others)
    {
        await starter.StartChatAsync(participants, title);
        await Expect(starterPage).ToHaveURLAsync(ChatUrl());
        var url = starterPage.Url;
        foreach (var other in others)
        {
            await other.GotoAsync(url);
        }
        await starter.WaitForStreamAsync();
        foreach (var other in others)
        {
            await new ChatPage(other).WaitForStreamAsync();
        }
        return url;
    }

    [Fact]
    public async Task MessagesArriveLiveBothWaysOnceAndInTheSameOrderForEveryTab()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        var bobSecondTab = await bobPage.Context.NewPageAsync();
        await StartChatAsync(ada, adaPage, bobName, null, bobPage, bobSecondTab);

        await ada.SendAsync("hello bob");
        await Expect(bob.Messages.Last).ToContainTextAsync("hello bob", new() { Timeout = 1_000 });
        await Expect(new ChatPage(bobSecondTab).Messages.Last).ToContainTextAsync("hello bob", new() { Timeout = 1_000 });
        await Expect(ada.MessageField).ToHaveValueAsync("");
        await Expect(ada.MessageField).ToBeFocusedAsync();

        await bob.SendWithButtonAsync("hi ada");
        await Expect(ada.Messages.Last).ToContainTextAsync("hi ada", new() { Timeout = 1_000 });

        var burst = new[] { ("ada", "one"), ("bob", "two"), ("ada", "three"), ("bob", "four"), ("ada", "five") };
        foreach (var (who, text) in burst)
        {
            await (who == "ada" ? ada : bob).SendAsync(text);
        }

        string[] expected = ["hello bob", "hi ada", .. burst.Select(b => b.Item2)];
        foreach (var tab in new[] { ada, bob, new ChatPage(bobSecondTab) })
        {
            await Expect(tab.Messages).ToHaveCountAsync(expected.Length);
        }
        var orders = new[] { await ada.MessageTextsAsync(), await bob.MessageTextsAsync(), await new ChatPage(bobSecondTab).MessageTextsAsync() };
        Assert.All(orders, order => Assert.Equal(orders[0], order));
        Assert.Equal(expected.Order(), orders[0].Order());
    }

    [Fact]
    public async Task ADroppedConnectionCatchesUpWithExactlyTheMissedMessages()
    {
        await using var proxy = new CuttableProxy(App.BaseAddress);
        var (adaPage, ada, _) = await PersonAsync("ada", through: proxy.Address);
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        var url = new Uri(await StartChatAsync(ada, adaPage, bobName, null)).AbsolutePath;
        await bobPage.GotoAsync(url);
        await bob.SendAsync("before the cut");
        await Expect(ada.Messages).ToHaveCountAsync(1);

        proxy.Cut();
        foreach (var text in new[] { "missed 1", "missed 2", "missed 3" })
        {
            await bob.SendAsync(text);
            await Expect(bob.Messages.Last).ToContainTextAsync(text);
        }
        await Task.Delay(500);
        Assert.Equal(["before the cut"], await ada.MessageTextsAsync());
        proxy.Restore();

        await Expect(ada.Messages).ToHaveCountAsync(4, new() { Timeout = 15_000 });
        Assert.Equal(["before the cut", "missed 1", "missed 2", "missed 3"], await ada.MessageTextsAsync());

        await bob.SendAsync("after the cut");
        await Expect(ada.Messages).ToHaveCountAsync(5, new() { Timeout = 5_000 });
        Assert.Equal(["before the cut", "missed 1", "missed 2", "missed 3", "after the cut"], await ada.MessageTextsAsync());
    }

    [Fact]
    public async Task ABrowserGetsMessagesSentOnTheOtherInstanceAndResumesThereWhenItsOwnStops()
    {
        var instanceB = await StartSecondInstanceAsync();
        await using var balancer = new CuttableProxy(App.BaseAddress);
        var (adaPage, ada, _) = await PersonAsync("ada", through: balancer.Address);
        var (bobPage, bob, bobName) = await PersonAsync("bob", through: instanceB.BaseAddress);
        var url = new Uri(await StartChatAsync(ada, adaPage, bobName, null)).AbsolutePath;
        await bobPage.GotoAsync(url);
        await bob.WaitForStreamAsync();

        await bob.SendAsync("sent on instance B");
        await Expect(ada.Messages.Last).ToContainTextAsync("sent on instance B", new() { Timeout = 1_000 });

        // Instance A stops (a deploy): the balancer sends new connections to B, and Ada's tab reconnects there.
        balancer.RouteTo(instanceB.BaseAddress);
        App.Dispose();
        foreach (var text in new[] { "missed 1", "missed 2", "missed 3" })
        {
            await bob.SendAsync(text);
            await Expect(bob.Messages.Last).ToContainTextAsync(text);
        }

        await Expect(ada.Messages).ToHaveCountAsync(4, new() { Timeout = 15_000 });
        Assert.Equal(["sent on instance B", "missed 1", "missed 2", "missed 3"], await ada.MessageTextsAsync());
        await bob.SendAsync("live on B");
        await Expect(ada.Messages).ToHaveCountAsync(5, new() { Timeout = 5_000 });
        Assert.Equal(["sent on instance B", "missed 1", "missed 2", "missed 3", "live on B"], await ada.MessageTextsAsync());
    }

    [Fact]
    public async Task ReloadKeepsHistoryAndScrollingUpLoadsOlderMessages()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (_, _, bobName) = await PersonAsync("bob");
        await StartChatAsync(ada, adaPage, bobName, "History");
        var chatId = adaPage.Url[^24..];
        var store = App.Services.GetRequiredService<IChatRepository>();
        var adaId = await adaPage.EvaluateAsync<string>("document.body.dataset.userId");
        for (var i = 1; i <= 60; i++)
        {
            await store.AppendMessageAsync(chatId, adaId, adaName, $"m{i}", DateTimeOffset.UtcNow);
        }

        await adaPage.ReloadAsync();
        await Expect(ada.Messages).ToHaveCountAsync(50);
        await Expect(ada.Messages.Last).ToContainTextAsync("m60");
        await Expect(ada.Messages.Last).ToBeInViewportAsync();

        await ada.Log.EvaluateAsync("log => log.scrollTop = 0");
        await Expect(ada.Messages).ToHaveCountAsync(60);
        Assert.Equal(Enumerable.Range(1, 60).Select(i => $"m{i}"), await ada.MessageTextsAsync());
    }

    [Fact]
    public async Task MarkupInAMessageIsShownAsTextEverywhere()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await StartChatAsync(ada, adaPage, bobName, null, bobPage);
        const string markup = "<img src=x onerror=\"window.pwned=1\"><b>bold</b>";

        await ada.SendAsync(markup);

        await Expect(bob.Messages.Last.Locator(".message-text")).ToHaveTextAsync(markup, WithinASecond);
        await Expect(bob.Row(adaName).Locator(".chat-preview")).ToContainTextAsync(markup);
        await adaPage.ReloadAsync();
        await Expect(ada.Messages.Last.Locator(".message-text")).ToHaveTextAsync(markup);
        foreach (var page in new[] { adaPage, bobPage })
        {
            Assert.Equal(0, await page.Locator("#message-log img, #message-log b, #chat-list img").CountAsync());
            Assert.Null(await page.EvaluateAsync<int?>("window.pwned"));
        }
    }

    [Fact]
    public async Task TheListShowsUnreadCountsLiveMovesTheNewestChatUpAndAllTabsAgree()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await StartChatAsync(ada, adaPage, bobName, "Alpha");
        await StartChatAsync(ada, adaPage, bobName, "Beta");
        await bob.GotoListAsync();
        var bobOtherTab = await bobPage.Context.NewPageAsync();
        await bobOtherTab.GotoAsync("/chats");
        await bob.WaitForStreamAsync();
        await new ChatPage(bobOtherTab).WaitForStreamAsync();
        await Expect(bob.ChatRows.First).ToContainTextAsync("Beta");

        await ada.OpenAsync("Alpha");
        await ada.WaitForStreamAsync();
        await ada.SendAsync("ping alpha");
        await ada.SendAsync("ping alpha again");

        await Expect(bob.ChatRows.First).ToContainTextAsync("Alpha", new() { Timeout = 1_000 });
        await Expect(bob.UnreadBadge("Alpha")).ToHaveTextAsync("2 unread", WithinASecond);
        await Expect(bob.Row("Alpha").Locator(".chat-preview")).ToContainTextAsync("ping alpha again");
        await Expect(new ChatPage(bobOtherTab).UnreadBadge("Alpha")).ToHaveTextAsync("2 unread", WithinASecond);

        await bob.OpenAsync("Alpha");
        await Expect(bob.Messages).ToHaveCountAsync(2);
        await Expect(new ChatPage(bobOtherTab).UnreadBadge("Alpha")).ToBeHiddenAsync(new() { Timeout = 2_000 });
    }

    [Fact]
    public async Task ARefusedSendSaysWhyAndKeepsTheText()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (_, _, bobName) = await PersonAsync("bob");
        await StartChatAsync(ada, adaPage, bobName, null);
        var tooLong = new string('x', 4001);

        await ada.SendAsync(tooLong);

        await Expect(ada.MessageError).ToContainTextAsync("at most 4000 characters");
        await Expect(ada.MessageField).ToHaveValueAsync(tooLong);
        await Expect(ada.Messages).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AnUnknownParticipantIsReportedBesideTheField()
    {
        var (_, ada, _) = await PersonAsync("ada");

        await ada.StartChatAsync("nobody_by_that_name");

        await Expect(ada.ParticipantsError).ToContainTextAsync("No user named 'nobody_by_that_name'");
        await Expect(ada.ParticipantsField).ToHaveValueAsync("nobody_by_that_name");
    }

    [Fact]
    public async Task WithJavaScriptOffPeopleStillRegisterStartAChatAndSend()
    {
        var (_, _, bobName) = await PersonAsync("bob");
        var page = await NewPersonAsync(javaScript: false);
        var name = UniqueName("nojs");
        var chat = new ChatPage(page);

        await new RegisterPage(page).RegisterAsync(name, "plain forms only");
        await chat.StartChatAsync(bobName);
        await Expect(page).ToHaveURLAsync(ChatUrl());
        await chat.SendWithButtonAsync("sent without script");

        await Expect(page).ToHaveURLAsync(ChatUrl());
        await Expect(chat.Messages.Last).ToContainTextAsync("sent without script");
        await new Navbar(page).LogOutAsync();
        await new LoginPage(page).LogInAsync(name, "plain forms only");
        await Expect(page).ToHaveURLAsync(new Regex("/chats$"));
    }

    [Fact]
    public async Task OnA360PixelPhoneTheConversationFitsAndTheListIsOneTapAway()
    {
        var (adaPage, ada, _) = await PersonAsync("ada", width: 360, height: 740);
        var (_, _, bobName) = await PersonAsync("bob");
        await StartChatAsync(ada, adaPage, bobName, null);

        await ada.SendAsync("small screens too");

        await Expect(ada.Messages.Last).ToContainTextAsync("small screens too");
        await Expect(ada.ChatList).ToBeHiddenAsync();
        await Expect(ada.MessageField).ToBeInViewportAsync();
        Assert.True(await adaPage.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"));
        await adaPage.GetByRole(AriaRole.Link, new() { Name = "All chats" }).ClickAsync();
        await Expect(ada.ChatList).ToBeVisibleAsync();
    }
}
