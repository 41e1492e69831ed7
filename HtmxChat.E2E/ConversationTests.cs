using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using Microsoft.Playwright;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>Editing, deleting and reacting, seen live by the other person (UI.md v2, "The conversation").</summary>
public sealed class ConversationTests(BrowserFixture browser) : E2ETest(browser)
{
    private static readonly LocatorAssertionsToContainTextOptions WithinASecond = new() { Timeout = 1_000 };


    [Fact]
    public async Task AnEditAndADeletionAreSeenLiveByTheOther()
    {
        var (ada, bob, _, _) = await ChattingAsync();
        await ada.SendAsync("helo wrold");
        await Expect(bob.Messages).ToHaveCountAsync(1);
        await Expect(bob.Action(bob.Messages.First, "Edit")).ToBeHiddenAsync();
        await Expect(bob.Action(bob.Messages.First, "Delete")).ToBeHiddenAsync();

        await ada.EditAsync(ada.Messages.First, "hello world");

        await Expect(bob.Messages.First.Locator(".message-text")).ToHaveTextAsync("hello world", new() { Timeout = 1_000 });
        await Expect(bob.Messages.First).ToContainTextAsync("edited", WithinASecond);
        await Expect(ada.Messages.First).ToContainTextAsync("edited");
        await Expect(ada.MessageField).ToBeFocusedAsync();

        await ada.DeleteAsync(ada.Messages.First);

        await Expect(bob.Messages.First).ToContainTextAsync("This message was deleted.", WithinASecond);
        await Expect(bob.Messages).ToHaveCountAsync(1);
        await Expect(bob.Action(bob.Messages.First, "React")).ToHaveCountAsync(0);
        await Expect(ada.Messages.First).ToContainTextAsync("This message was deleted.");
    }

    [Fact]
    public async Task EscapeCancelsAnEditAndTheTextStays()
    {
        var (ada, _, adaPage, _) = await ChattingAsync();
        await ada.SendAsync("keep me");
        await Expect(ada.Messages).ToHaveCountAsync(1);

        await ada.Action(ada.Messages.First, "Edit").ClickAsync();
        await adaPage.GetByLabel("Edit message").FillAsync("changed my mind");
        await adaPage.GetByLabel("Edit message").PressAsync("Escape");

        await Expect(ada.Messages.First.Locator(".message-text")).ToHaveTextAsync("keep me");
        await Expect(adaPage.GetByLabel("Edit message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ThePaletteOfReactionsOpensBesideOneMessageAtATimeAndEscapeClosesIt()
    {
        var (ada, _, adaPage, _) = await ChattingAsync();
        await ada.SendAsync("first");
        await ada.SendAsync("second");
        await Expect(ada.Messages).ToHaveCountAsync(2);
        var (first, second) = (ada.Message("first"), ada.Message("second"));

        await ada.Action(first, "React").ClickAsync();
        await Expect(first.Locator(".react-palette").GetByRole(AriaRole.Button, new() { Name = "👍", Exact = true })).ToBeFocusedAsync();
        await Expect(ada.Action(first, "React")).ToHaveAttributeAsync("aria-expanded", "true");

        await ada.Action(second, "React").ClickAsync();
        await Expect(adaPage.Locator(".react-palette")).ToHaveCountAsync(1);
        await Expect(second.Locator(".react-palette")).ToBeVisibleAsync();
        await Expect(ada.Action(first, "React")).ToHaveAttributeAsync("aria-expanded", "false");

        await adaPage.Keyboard.PressAsync("Escape");
        await Expect(adaPage.Locator(".react-palette")).ToHaveCountAsync(0);
        await Expect(ada.Action(second, "React")).ToBeFocusedAsync();
        await Expect(ada.Action(second, "React")).ToHaveAttributeAsync("aria-expanded", "false");

        await ada.ReactAsync(second, "🎉");
        await Expect(ada.Reaction(second, "🎉")).ToHaveTextAsync("🎉 1");
        await Expect(adaPage.Locator(".react-palette")).ToHaveCountAsync(0);
        await Expect(ada.Reaction(first, "🎉")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ReactionsToggledByBothShowCountsAndWhoseTheyAre()
    {
        var (ada, bob, _, _) = await ChattingAsync();
        await ada.SendAsync("react to this");
        await Expect(bob.Messages).ToHaveCountAsync(1);

        await bob.ReactAsync(bob.Messages.First, "👍");
        var adasThumbs = ada.Reaction(ada.Messages.First, "👍");
        await Expect(adasThumbs).ToHaveTextAsync("👍 1", new() { Timeout = 1_000 });
        await Expect(adasThumbs).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(bob.Reaction(bob.Messages.First, "👍")).ToHaveAttributeAsync("aria-pressed", "true");

        await adasThumbs.ClickAsync();
        await Expect(ada.Reaction(ada.Messages.First, "👍")).ToHaveTextAsync("👍 2");
        await Expect(ada.Reaction(ada.Messages.First, "👍")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(bob.Reaction(bob.Messages.First, "👍")).ToHaveTextAsync("👍 2", new() { Timeout = 1_000 });

        await bob.Reaction(bob.Messages.First, "👍").ClickAsync();
        await Expect(ada.Reaction(ada.Messages.First, "👍")).ToHaveTextAsync("👍 1", new() { Timeout = 1_000 });
        await Expect(bob.Reaction(bob.Messages.First, "👍")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(bob.Reaction(bob.Messages.First, "👍")).ToHaveAttributeAsync("data-users", new Regex("^ada"));
    }

    [Fact]
    public async Task ADroppedConnectionDuringEditsAndDeletionsCatchesUpToExactlyTheCurrentState()
    {
        await using var proxy = new CuttableProxy(App.BaseAddress);
        var (ada, bob, _, _) = await ChattingAsync(adaThrough: proxy.Address);
        foreach (var text in new[] { "one", "two", "three" })
        {
            await bob.SendAsync(text);
            await Expect(bob.Message(text)).ToHaveCountAsync(1);
        }
        await Expect(ada.Messages).ToHaveCountAsync(3);

        proxy.Cut();
        await bob.EditAsync(bob.Message("one"), "one, edited");
        await Expect(bob.Message("one, edited")).ToContainTextAsync("edited");
        await bob.DeleteAsync(bob.Message("two"));
        await Expect(bob.MessageAt(2)).ToContainTextAsync("This message was deleted.");
        await bob.ReactAsync(bob.Message("three"), "🎉");
        await Expect(bob.Reaction(bob.Message("three"), "🎉")).ToHaveTextAsync("🎉 1");
        await bob.SendAsync("four");
        await Expect(bob.Messages).ToHaveCountAsync(4);
        proxy.Restore();

        await Expect(ada.Messages).ToHaveCountAsync(4, new() { Timeout = 15_000 });
        await Expect(ada.MessageAt(1).Locator(".message-text")).ToHaveTextAsync("one, edited");
        await Expect(ada.MessageAt(2)).ToContainTextAsync("This message was deleted.");
        await Expect(ada.Reaction(ada.MessageAt(3), "🎉")).ToHaveTextAsync("🎉 1");
        Assert.Equal(["one, edited", "This message was deleted.", "three", "four"], await ada.MessageTextsAsync());
    }

    [Fact]
    public async Task WithJavaScriptOffEditAndDeleteAreFormsAndRedirects()
    {
        var (_, _, bobName) = await PersonAsync("bob");
        var (page, chat, _) = await PersonAsync("nojs", javaScript: false);
        await chat.StartChatAsync(bobName);
        await Expect(page).ToHaveURLAsync(ChatPageUrl());
        await chat.SendWithButtonAsync("typo heer");
        await Expect(chat.Messages).ToHaveCountAsync(1);

        await chat.Action(chat.Messages.First, "Edit").ClickAsync();
        await page.GetByLabel("Edit message").FillAsync("typo here");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(ChatPageUrl());
        await Expect(chat.Messages.First.Locator(".message-text")).ToHaveTextAsync("typo here");
        await Expect(chat.Messages.First).ToContainTextAsync("edited");

        await chat.Action(chat.Messages.First, "Delete").ClickAsync();
        await Expect(page.GetByText("Delete this message?")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(ChatPageUrl());
        await Expect(chat.Messages.First).ToContainTextAsync("This message was deleted.");
    }

    [Fact]
    public async Task AReplyQuotesItsOriginalAndTheQuoteBringsItIntoViewEvenFarBack()
    {
        var (ada, bob, adaPage, bobPage) = await ChattingAsync();
        var chatId = adaPage.Url[^24..];
        var chats = App.Services.GetRequiredService<HtmxChat.Web.Chats.ChatService>();
        var adaId = await adaPage.EvaluateAsync<string>("document.body.dataset.userId");
        var adaName = await adaPage.Locator("#signed-in-user").InnerTextAsync();
        var store = App.Services.GetRequiredService<HtmxChat.Web.Storage.IChatRepository>();
        var first = (await store.AppendMessageAsync(chatId, adaId, adaName, "the very first", DateTimeOffset.UtcNow))!.Value.Message;
        for (var i = 2; i <= 200; i++)
        {
            await store.AppendMessageAsync(chatId, adaId, adaName, $"m{i}", DateTimeOffset.UtcNow);
        }
        await adaPage.ReloadAsync();
        await bobPage.ReloadAsync();
        await ada.WaitForStreamAsync();
        await bob.WaitForStreamAsync();

        // Bob answers the newest message through Reply.
        await bob.Action(bob.Message("m200"), "Reply").ClickAsync();
        await Expect(bobPage.GetByText($"Replying to {adaName}")).ToBeVisibleAsync();
        await Expect(bob.MessageField).ToBeFocusedAsync();
        await bob.SendAsync("agreed");
        await Expect(ada.Message("agreed").Locator(".reply-quote")).ToContainTextAsync("m200", new() { Timeout = 1_000 });
        await Expect(bobPage.GetByText($"Replying to {adaName}")).ToHaveCountAsync(0);

        // The quote follows its original, live.
        await ada.EditAsync(ada.Message("m200"), "m200, corrected");
        await Expect(bob.Message("agreed").Locator(".reply-quote")).ToContainTextAsync("m200, corrected", new() { Timeout = 1_000 });

        // A reply to the very first message, 200 back: its quote opens the chat there.
        Assert.IsType<HtmxChat.Web.Chats.ChatResult.Done>(await chats.SendAsync(adaId, adaName, chatId, "remember this?", first.Id));
        await Expect(bob.Message("remember this?")).ToHaveCountAsync(1);
        await bob.Message("remember this?").Locator(".reply-quote").ClickAsync();

        await Expect(bobPage).ToHaveURLAsync(new Regex($"at=1$"));
        var original = bob.MessageAt(1);
        await Expect(original).ToContainTextAsync("the very first");
        await Expect(original).ToHaveClassAsync(new Regex("message-highlight"));
        await Expect(original).ToBeInViewportAsync();
        await bob.Log.EvaluateAsync("log => log.scrollTop = log.scrollHeight");
        await Expect(bob.MessageAt(60)).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task OneSendersMessagesWithinFiveMinutesAreGroupedUnderDaySeparators()
    {
        var (ada, bob, adaPage, bobPage) = await ChattingAsync();
        var chatId = adaPage.Url[^24..];
        var store = App.Services.GetRequiredService<HtmxChat.Web.Storage.IChatRepository>();
        var adaId = await adaPage.EvaluateAsync<string>("document.body.dataset.userId");
        var adaName = await adaPage.Locator("#signed-in-user").InnerTextAsync();
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1);
        await store.AppendMessageAsync(chatId, adaId, adaName, "yesterday one", yesterday);
        await store.AppendMessageAsync(chatId, adaId, adaName, "yesterday two", yesterday.AddMinutes(1));
        await bobPage.ReloadAsync();
        await bob.WaitForStreamAsync();

        await ada.SendAsync("today one");
        await ada.SendAsync("today two");
        await Expect(bob.Messages).ToHaveCountAsync(4);

        var separators = bobPage.GetByRole(AriaRole.Separator);
        await Expect(separators).ToHaveTextAsync(["Yesterday", "Today"]);
        await Expect(bob.Message("yesterday two")).ToHaveClassAsync(new Regex("message-continued"));
        await Expect(bob.Message("today one")).Not.ToHaveClassAsync(new Regex("message-continued"));
        await Expect(bob.Message("today two")).ToHaveClassAsync(new Regex("message-continued"));
    }

    [Fact]
    public async Task NewMessagesWhileScrolledUpWaitBehindJumpToLatestWithTheirCount()
    {
        var (ada, bob, adaPage, bobPage) = await ChattingAsync();
        var chatId = adaPage.Url[^24..];
        var store = App.Services.GetRequiredService<HtmxChat.Web.Storage.IChatRepository>();
        var adaId = await adaPage.EvaluateAsync<string>("document.body.dataset.userId");
        for (var i = 1; i <= 40; i++)
        {
            await store.AppendMessageAsync(chatId, adaId, "ada", $"m{i}", DateTimeOffset.UtcNow);
        }
        await bobPage.ReloadAsync();
        await bob.WaitForStreamAsync();
        await bob.Log.EvaluateAsync("log => log.scrollTop = 0");

        await ada.SendAsync("new one");
        await ada.SendAsync("new two");
        var jump = bobPage.GetByRole(AriaRole.Button, new() { Name = "Jump to latest" });

        await Expect(jump).ToBeVisibleAsync();
        await Expect(jump).ToContainTextAsync("2");
        await Expect(bob.Message("new two")).Not.ToBeInViewportAsync();
        await jump.ClickAsync();
        await Expect(bob.Message("new two")).ToBeInViewportAsync();
        await Expect(jump).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheThemeFollowsTheSystemUntilChosenAndIsAppliedBeforeTheFirstPaint()
    {
        var page = await NewPersonAsync(width: 360, height: 740, colorScheme: ColorScheme.Dark);
        await page.AddInitScriptAsync("document.addEventListener('DOMContentLoaded', () => { window.themeAtFirstParse = document.documentElement.dataset.bsTheme; });");
        await new RegisterPage(page).RegisterAsync(UniqueName("night"), "a long password");
        var theme = page.GetByLabel("Theme");

        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-bs-theme", "dark");
        await Expect(theme).ToHaveValueAsync("auto");
        Directory.CreateDirectory(ArtifactsFolder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder, "dark-360.png"), FullPage = true });
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(33, 37, 41)", background);

        await theme.SelectOptionAsync("light");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-bs-theme", "light");
        await page.ReloadAsync();
        Assert.Equal("light", await page.EvaluateAsync<string>("window.themeAtFirstParse"));
        await Expect(page.GetByLabel("Theme")).ToHaveValueAsync("light");

        await page.GetByLabel("Theme").SelectOptionAsync("auto");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-bs-theme", "dark");
    }

    [Fact]
    public async Task SearchFindsAMessageAndOpensItsChatThereHighlighted()
    {
        var (_, _, adaPage, bobPage) = await ChattingAsync();
        var chatId = adaPage.Url[^24..];
        var store = App.Services.GetRequiredService<HtmxChat.Web.Storage.IChatRepository>();
        var adaId = await adaPage.EvaluateAsync<string>("document.body.dataset.userId");
        var at = DateTimeOffset.UtcNow.AddMinutes(-200);
        for (var i = 1; i <= 120; i++)
        {
            await store.AppendMessageAsync(chatId, adaId, "ada", i == 10 ? "the hidden <b>treasure</b> is here" : $"filler {i}", at.AddMinutes(i));
        }

        var search = bobPage.GetByRole(AriaRole.Search).GetByLabel("Search");
        await search.FillAsync("treas");
        await search.PressAsync("Enter");

        await Expect(bobPage).ToHaveURLAsync(new Regex("/search\\?q=treas"));
        var result = bobPage.Locator(".search-result");
        await Expect(result).ToHaveCountAsync(1);
        await Expect(result.Locator("mark")).ToHaveTextAsync("treasure");
        await Expect(result).ToContainTextAsync("the hidden <b>treasure</b> is here");
        await result.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(bobPage).ToHaveURLAsync(new Regex("at=10$"));
        var hit = new ChatPage(bobPage).MessageAt(10);
        await Expect(hit).ToHaveClassAsync(new Regex("message-highlight"));
        await Expect(hit).ToBeInViewportAsync();
    }

    [Fact]
    public async Task TypingAtSuggestsTheChatsPeopleAndAMentionStandsOutForThePersonNamed()
    {
        var (miaPage, mia, miaName) = await PersonAsync("mia");
        var (mikaPage, mika, mikaName) = await PersonAsync("mika");
        var (adaPage, ada, _) = await PersonAsync("ada");
        await ada.StartChatAsync($"{miaName} {mikaName}", "Team");
        await Expect(adaPage).ToHaveURLAsync(ChatPageUrl());
        await mikaPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await ada.WaitForStreamAsync();
        await mika.WaitForStreamAsync();

        await ada.MessageField.PressSequentiallyAsync("thanks @mi");
        var suggestions = adaPage.GetByRole(AriaRole.Listbox, new() { Name = "People in this chat" });
        await Expect(suggestions.GetByRole(AriaRole.Option)).ToHaveTextAsync([miaName, mikaName]);
        await Expect(ada.MessageField).ToHaveAttributeAsync("aria-expanded", "true");
        await ada.MessageField.PressAsync("ArrowDown");
        await Expect(suggestions.GetByRole(AriaRole.Option, new() { Name = mikaName })).ToHaveAttributeAsync("aria-selected", "true");
        await ada.MessageField.PressAsync("Enter");
        await Expect(ada.MessageField).ToHaveValueAsync($"thanks @{mikaName} ");
        await Expect(suggestions).ToBeHiddenAsync();
        await ada.MessageField.PressSequentiallyAsync("for this");
        await ada.MessageField.PressAsync("Enter");

        var received = mika.Message($"thanks @{mikaName} for this");
        await Expect(received.Locator(".mention")).ToHaveTextAsync($"@{mikaName}", new() { Timeout = 1_000 });
        await Expect(received).ToHaveAttributeAsync("data-mentions", new Regex("^[0-9a-f]{24}$"));
        await ada.MessageField.PressSequentiallyAsync("@zz");
        await Expect(suggestions).ToBeHiddenAsync();
        await ada.MessageField.FillAsync("");
        await ada.MessageField.PressSequentiallyAsync("@mi");
        await ada.MessageField.PressAsync("Escape");
        await Expect(suggestions).ToBeHiddenAsync();
        _ = miaPage;
        _ = mia;
    }

    [Fact]
    public async Task ParticipantsSuggestsUsernamesAsThePersonTypes()
    {
        var (_, _, miaName) = await PersonAsync("mia");
        var (_, _, mikaName) = await PersonAsync("mika");
        var (adaPage, ada, _) = await PersonAsync("ada");
        await ada.GotoListAsync();
        await adaPage.Locator("details.start-chat > summary").ClickAsync();

        await ada.ParticipantsField.PressSequentiallyAsync(miaName[..2]);
        var suggestions = adaPage.GetByRole(AriaRole.Listbox, new() { Name = "People" });
        await Expect(suggestions.GetByRole(AriaRole.Option, new() { Name = miaName })).ToBeVisibleAsync();
        await Expect(suggestions.GetByRole(AriaRole.Option, new() { Name = mikaName })).ToBeVisibleAsync();
        await ada.ParticipantsField.PressSequentiallyAsync(mikaName[2..3]);
        await Expect(suggestions.GetByRole(AriaRole.Option)).ToHaveCountAsync(1);
        await Expect(suggestions.GetByRole(AriaRole.Option)).ToHaveTextAsync($"{mikaName} (online)"); // mika has a tab open
        await ada.ParticipantsField.PressAsync("Enter");

        await Expect(ada.ParticipantsField).ToHaveValueAsync($"{mikaName} ");
        await Expect(suggestions).ToBeHiddenAsync();
        await adaPage.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await Expect(adaPage).ToHaveURLAsync(ChatPageUrl());
        await Expect(adaPage.Locator("#chat-title")).ToHaveTextAsync(mikaName);
    }
}
