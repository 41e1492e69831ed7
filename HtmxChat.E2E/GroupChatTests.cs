using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>UI.md v2 "People and chats": the Chat details panel, seen live by everyone in the chat.</summary>
public sealed partial class GroupChatTests(BrowserFixture browser) : E2ETest(browser)
{
    [GeneratedRegex("/chats/[0-9a-f]{24}$")]
    private static partial Regex ChatUrl();

    [GeneratedRegex("^last seen \\d+ [A-Z][a-z]+, \\d\\d:\\d\\d$")]
    private static partial Regex LastSeen();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Chat:PresenceGraceSeconds"] = "2" };

    [Fact]
    public async Task PeopleAddedAndRemovedShowAsLiveSystemLinesAndTheRemovedPersonIsToldAtOnce()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        var (cyPage, cy, cyName) = await PersonAsync("cy");
        await ada.StartChatAsync(bobName, "Trip");
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        var chatPath = new Uri(adaPage.Url).AbsolutePath;
        await bobPage.GotoAsync(chatPath);
        await cy.GotoListAsync();
        await bob.WaitForStreamAsync();
        await cy.WaitForStreamAsync();

        var details = await OpenDetailsAsync(adaPage);
        await details.GetByLabel("Add people").PressSequentiallyAsync(cyName[..2]);
        await Expect(details.GetByRole(AriaRole.Option, new() { Name = cyName })).ToBeVisibleAsync();
        await details.GetByLabel("Add people").PressAsync("Enter");
        await Expect(details.GetByLabel("Add people")).ToHaveValueAsync($"{cyName} ");
        await details.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();

        await Expect(bob.Log.Locator(".message-system")).ToContainTextAsync($"added {cyName}");
        await Expect(bobPage.Locator("#chat-people")).ToContainTextAsync(cyName);
        await Expect(cy.Row("Trip")).ToBeVisibleAsync();
        await cy.OpenAsync("Trip");
        await Expect(cyPage).ToHaveURLAsync(ChatUrl());
        await cy.WaitForStreamAsync();
        await bob.SendAsync("welcome, cy");
        await Expect(cy.Messages.Last).ToContainTextAsync("welcome, cy");

        details = await OpenDetailsAsync(adaPage);
        await adaPage.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder, "chat-details.png") });
        var adaName = await adaPage.Locator("#signed-in-user").InnerTextAsync();
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = $"Remove {adaName}" })).ToBeHiddenAsync();
        await details.GetByRole(AriaRole.Button, new() { Name = $"Remove {cyName}" }).ClickAsync();

        await Expect(cyPage.GetByRole(AriaRole.Status)).ToContainTextAsync("You are no longer in this chat.");
        await Expect(cy.Log.Locator(".message-system").Last).ToContainTextAsync($"removed {cyName}");
        await Expect(cy.Row("Trip")).ToHaveCountAsync(0);
        await Expect(bob.Log.Locator(".message-system").Last).ToContainTextAsync($"removed {cyName}");
        await Expect(bobPage.Locator("#chat-people")).Not.ToContainTextAsync(cyName);
    }

    [Fact]
    public async Task OnlyTheCreatorSeesRemoveAndAnyoneCanRenameOrLeave()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName, "Plans");
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await bobPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await ada.WaitForStreamAsync();

        var details = await OpenDetailsAsync(bobPage);
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = $"Remove {adaName}" })).ToBeHiddenAsync();
        await details.GetByLabel("Title").FillAsync("Holiday plans");
        await details.GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();

        await Expect(adaPage.Locator("#chat-title")).ToHaveTextAsync("Holiday plans");
        await Expect(ada.Log.Locator(".message-system")).ToContainTextAsync($"{bobName} renamed the chat to \"Holiday plans\"");
        await Expect(ada.Row("Holiday plans")).ToBeVisibleAsync();

        bobPage.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        details = await OpenDetailsAsync(bobPage);
        await details.GetByRole(AriaRole.Button, new() { Name = "Leave chat" }).ClickAsync();

        await Expect(bobPage).ToHaveURLAsync(new Regex("/chats$"));
        await Expect(bob.Row("Holiday plans")).ToHaveCountAsync(0);
        await Expect(ada.Log.Locator(".message-system").Last).ToContainTextAsync($"{bobName} left");
    }

    [Fact]
    public async Task TypingShowsForTheOtherAndGoesWhenTheyStopOrTheirMessageArrives()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (bobPage, bob, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await bobPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await bob.WaitForStreamAsync();
        var bobSees = bobPage.Locator("#typing");
        var adaSees = adaPage.Locator("#typing");

        await ada.MessageField.PressSequentiallyAsync("hello th");
        await Expect(bobSees).ToHaveTextAsync($"{adaName} is typing…");
        await Expect(adaSees).ToHaveTextAsync("");
        await Expect(bobSees).ToHaveTextAsync("", new() { Timeout = 8_000 });

        await ada.MessageField.PressSequentiallyAsync("ere");
        await Expect(bobSees).ToHaveTextAsync($"{adaName} is typing…");
        await ada.MessageField.PressAsync("Enter");
        await Expect(bob.Messages.Last).ToContainTextAsync("hello there");
        await Expect(bobSees).ToHaveTextAsync("", new() { Timeout = 1_000 });
    }

    [Fact]
    public async Task TheDirectChatHeaderShowsTheOtherOnlineThenLastSeenAfterTheyCloseTheirTab()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (bobPage, _, bobName) = await PersonAsync("bob");
        await bobPage.CloseAsync();
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        var chatPath = new Uri(adaPage.Url).AbsolutePath;
        await ada.WaitForStreamAsync();
        var status = adaPage.Locator("#chat-people .presence-text");
        await Expect(status).Not.ToHaveTextAsync("online");

        var bobAgain = await bobPage.Context.NewPageAsync();
        await bobAgain.GotoAsync(chatPath);
        await Expect(status).ToHaveTextAsync("online");
        await Expect(adaPage.Locator("#chat-people .presence-dot")).ToHaveAttributeAsync("data-online", "true");
        await adaPage.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder, "presence-online.png") });
        await bobAgain.CloseAsync();

        await Expect(status).ToHaveTextAsync(LastSeen(), new() { Timeout = 10_000 });
        await Expect(adaPage.Locator("#chat-people .presence-dot")).ToHaveAttributeAsync("data-online", "false");
    }

    private static async Task<ILocator> OpenDetailsAsync(IPage page)
    {
        var details = page.Locator("#chat-details");
        if (await details.GetAttributeAsync("open") is null)
        {
            await details.Locator("summary").ClickAsync();
        }
        return details.Locator(".chat-details-panel");
    }
}
