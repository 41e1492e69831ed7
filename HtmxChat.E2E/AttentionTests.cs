using System.Text.Json;
using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>UI.md v2 "Attention": desktop notifications with several tabs, levels, and the unread total in the title.</summary>
public sealed partial class AttentionTests(BrowserFixture browser) : E2ETest(browser)
{
    /// <summary>
    /// Records each Notification made instead of showing it, and lets the test hide a tab (headless tabs are always in view).
    /// </summary>
    private const string NotificationSpy = """
        window.__notified = [];
        window.Notification = class {
          constructor(title, options) { window.__notified.push({ title, body: options && options.body }); }
          static get permission() { return "granted"; }
          static requestPermission() { return Promise.resolve("granted"); }
        };
        let __hidden = false;
        Object.defineProperty(document, "visibilityState", { get: () => (__hidden ? "hidden" : "visible") });
        Object.defineProperty(document, "hidden", { get: () => __hidden });
        window.__setHidden = (hidden) => { __hidden = hidden; document.dispatchEvent(new Event("visibilitychange")); };
        """;

    [GeneratedRegex("/chats/[0-9a-f]{24}$")]
    private static partial Regex ChatUrl();

    [GeneratedRegex(@"^\(1\) ")]
    private static partial Regex OneUnreadInTitle();

    [Fact]
    public async Task TwoHiddenTabsRaiseOneNotificationPerMessageAndTheTitleCountsUnread()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (bobPage, _, bobName) = await PersonAsync("bob");
        await bobPage.Context.AddInitScriptAsync(NotificationSpy);
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await ada.WaitForStreamAsync();
        var bobTabs = new[] { bobPage, await bobPage.Context.NewPageAsync() };
        foreach (var tab in bobTabs)
        {
            await tab.GotoAsync("/chats");
            await new ChatPage(tab).WaitForStreamAsync();
            await tab.EvaluateAsync("window.__setHidden(true)");
        }

        await ada.SendAsync("are you there?");

        await Expect(bobTabs[0]).ToHaveTitleAsync(OneUnreadInTitle());
        await Expect(bobTabs[1]).ToHaveTitleAsync(OneUnreadInTitle());
        await WaitForNotificationsAsync(bobTabs, 1);
        var notified = await NotifiedAsync(bobTabs);
        Assert.Equal((adaName, $"{adaName}: are you there?"), notified.Single());

        await bobTabs[1].EvaluateAsync("window.__setHidden(false)");
        await ada.SendAsync("a tab is in view now");
        await Expect(bobTabs[0]).ToHaveTitleAsync(new Regex(@"^\(2\) "));
        Assert.Single(await NotifiedAsync(bobTabs));
    }

    /// <summary>Chooses a level and waits for it to be saved: leaving the page at once would cancel the save.</summary>
    private static async Task SetNotificationsAsync(IPage page, string level) =>
        await page.RunAndWaitForResponseAsync(
            () => page.GetByLabel("Notifications").SelectOptionAsync(level),
            response => response.Url.EndsWith("/notifications", StringComparison.Ordinal) && response.Request.Method == "POST");

    [Fact]
    public async Task MentionsOnlyNotifiesOfMentionsAndNothingDimsTheChat()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await bobPage.Context.AddInitScriptAsync(NotificationSpy);
        await ada.StartChatAsync(bobName, "Team");
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await bobPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await bobPage.Locator("#chat-details > summary").ClickAsync();
        await SetNotificationsAsync(bobPage, "mentions");
        await bob.GotoListAsync();
        await bob.WaitForStreamAsync();
        await Expect(bob.Row("Team")).ToHaveAttributeAsync("data-notifications", "mentions");
        await bobPage.EvaluateAsync("window.__setHidden(true)");

        await ada.SendAsync("just chatting");
        await ada.SendAsync($"@{bobName} please look");

        await WaitForNotificationsAsync([bobPage], 1);
        Assert.Equal(("Team", $"{adaName}: @{bobName} please look"), (await NotifiedAsync([bobPage])).Single());

        await bobPage.EvaluateAsync("window.__setHidden(false)");
        await bob.OpenAsync("Team");
        await bobPage.Locator("#chat-details > summary").ClickAsync();
        await SetNotificationsAsync(bobPage, "none");
        await bob.GotoListAsync();
        await bob.WaitForStreamAsync();
        await Expect(bob.Row("Team")).ToHaveClassAsync(new Regex("chat-muted"));
        await ada.SendAsync("muted now");
        await Expect(bob.Row("Team").Locator(".chat-preview")).ToContainTextAsync("muted now");
        await Expect(bob.UnreadBadge("Team")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TenTabsOfOnePersonOverHttp11AreAllLiveAndCanEachSendAndClosingTheLeaderLosesNothing()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (bobPage, _, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        var chatPath = new Uri(adaPage.Url).AbsolutePath;
        var tabs = new List<IPage> { bobPage };
        for (var i = 1; i < 10; i++)
        {
            tabs.Add(await bobPage.Context.NewPageAsync());
        }
        foreach (var tab in tabs)
        {
            await tab.GotoAsync(chatPath);
            await new ChatPage(tab).WaitForStreamAsync();
        }

        await ada.SendAsync("to all ten tabs");
        foreach (var tab in tabs)
        {
            await Expect(new ChatPage(tab).Messages.Last).ToContainTextAsync("to all ten tabs");
        }
        for (var i = 0; i < tabs.Count; i++)
        {
            await new ChatPage(tabs[i]).SendAsync($"from tab {i}");
        }
        await Expect(ada.Messages).ToHaveCountAsync(11);

        // The first tab took the lock and holds the one stream; closing it hands the stream to another tab.
        await tabs[0].CloseAsync();
        await ada.SendAsync("while the stream moves");
        await ada.SendAsync("and after");
        foreach (var tab in tabs.Skip(1))
        {
            await Expect(new ChatPage(tab).Messages).ToHaveCountAsync(13);
            await Expect(new ChatPage(tab).Messages.Last).ToContainTextAsync("and after");
        }
    }

    private static async Task<List<(string Title, string Body)>> NotifiedAsync(IEnumerable<IPage> tabs)
    {
        var all = new List<(string, string)>();
        foreach (var tab in tabs)
        {
            var made = await tab.EvaluateAsync<JsonElement>("window.__notified");
            all.AddRange(made.EnumerateArray().Select(n => (n.GetProperty("title").GetString()!, n.GetProperty("body").GetString()!)));
        }
        return all;
    }

    private static async Task WaitForNotificationsAsync(IReadOnlyList<IPage> tabs, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await NotifiedAsync(tabs)).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "No notification was raised.");
            await Task.Delay(50);
        }
        // Give a second tab the time it would take to raise a duplicate.
        await Task.Delay(500);
    }
}
