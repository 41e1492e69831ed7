using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>Editing, deleting and reacting, seen live by the other person (UI.md v2, "The conversation").</summary>
public sealed partial class ConversationTests(BrowserFixture browser) : E2ETest(browser)
{
    private static readonly LocatorAssertionsToContainTextOptions WithinASecond = new() { Timeout = 1_000 };

    [GeneratedRegex("/chats/[0-9a-f]{24}")]
    private static partial Regex ChatUrl();

    private async Task<(IPage Page, ChatPage Chat, string Name)> PersonAsync(string prefix, Uri? through = null, bool javaScript = true, int width = 1280)
    {
        var page = await NewPersonAsync(width: width, through: through, javaScript: javaScript);
        var name = UniqueName(prefix);
        await new RegisterPage(page).RegisterAsync(name, "a long password");
        return (page, new ChatPage(page), name);
    }

    /// <summary>Ada starts a chat with Bob; both have it open and streaming.</summary>
    private async Task<(ChatPage Ada, ChatPage Bob, IPage AdaPage, IPage BobPage)> ChattingAsync(Uri? adaThrough = null)
    {
        var (adaPage, ada, _) = await PersonAsync("ada", adaThrough);
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await bobPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await ada.WaitForStreamAsync();
        await bob.WaitForStreamAsync();
        return (ada, bob, adaPage, bobPage);
    }

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
        await Expect(page).ToHaveURLAsync(ChatUrl());
        await chat.SendWithButtonAsync("typo heer");
        await Expect(chat.Messages).ToHaveCountAsync(1);

        await chat.Action(chat.Messages.First, "Edit").ClickAsync();
        await page.GetByLabel("Edit message").FillAsync("typo here");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(ChatUrl());
        await Expect(chat.Messages.First.Locator(".message-text")).ToHaveTextAsync("typo here");
        await Expect(chat.Messages.First).ToContainTextAsync("edited");

        await chat.Action(chat.Messages.First, "Delete").ClickAsync();
        await Expect(page.GetByText("Delete this message?")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(ChatUrl());
        await Expect(chat.Messages.First).ToContainTextAsync("This message was deleted.");
    }
}
