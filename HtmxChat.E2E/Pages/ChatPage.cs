using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E.Pages;

/// <summary>The chat list and the open conversation (/chats and /chats/{id}).</summary>
public sealed class ChatPage(IPage page)
{
    public ILocator Log => page.GetByRole(AriaRole.Log);
    public ILocator Messages => Log.Locator("article.message");
    public ILocator MessageField => page.GetByLabel("Message", new() { Exact = true });
    public ILocator MessageError => page.Locator("#Message-error");
    public ILocator ChatList => page.Locator("#chat-list");
    public ILocator ChatRows => ChatList.Locator(".chat-row");
    public ILocator ParticipantsField => page.GetByLabel("Participants");
    public ILocator ParticipantsError => page.Locator("#Participants-error");

    public ILocator Row(string title) => ChatRows.Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = title }) });

    public ILocator UnreadBadge(string title) => Row(title).Locator(".unread");

    public async Task GotoListAsync() => await page.GotoAsync("/chats");

    public async Task StartChatAsync(string participants, string? title = null)
    {
        await GotoListAsync();
        var summary = page.Locator("details.start-chat > summary");
        if (await page.Locator("details.start-chat[open]").CountAsync() == 0)
        {
            await summary.ClickAsync();
        }
        await ParticipantsField.FillAsync(participants);
        if (title is not null)
        {
            await page.GetByLabel("Title").FillAsync(title);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
    }

    public async Task OpenAsync(string title) => await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();

    /// <summary>Sends and waits until the form has been answered (swapped, or the page reloaded), so the next send cannot type into the old one.</summary>
    public async Task SendAsync(string text)
    {
        var field = await MessageField.ElementHandleAsync();
        await field.FillAsync(text);
        await field.PressAsync("Enter");
        await GoneAsync(field);
    }

    public async Task SendWithButtonAsync(string text)
    {
        var field = await MessageField.ElementHandleAsync();
        await field.FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await GoneAsync(field);
    }

    /// <summary>Waits until the answer has replaced <paramref name="field"/>: swapped out by htmx, or its page replaced.</summary>
    private static async Task GoneAsync(IElementHandle field)
    {
        try
        {
            await field.WaitForElementStateAsync(ElementState.Hidden);
        }
        catch (PlaywrightException e) when (e.Message.Contains("not attached", StringComparison.Ordinal) || e.Message.Contains("destroyed", StringComparison.Ordinal))
        {
            // Gone already.
        }
    }

    public async Task<IReadOnlyList<string>> MessageTextsAsync() => await Log.Locator(".message-text").AllInnerTextsAsync();

    /// <summary>The message that shows <paramref name="text"/> (or a message whose text was <paramref name="text"/> before it was deleted: use <see cref="MessageAt"/>).</summary>
    public ILocator Message(string text) => Messages.Filter(new() { Has = page.Locator(".message-text", new() { HasTextString = text }) });

    public ILocator MessageAt(long seq) => Log.Locator($"article.message[data-seq=\"{seq}\"]");

    public ILocator Action(ILocator message, string name) => message.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public ILocator Reaction(ILocator message, string emoji) => message.Locator(".message-reactions").GetByRole(AriaRole.Button, new() { Name = emoji });

    public async Task EditAsync(ILocator message, string newText)
    {
        await Action(message, "Edit").ClickAsync();
        var field = page.GetByLabel("Edit message");
        await field.FillAsync(newText);
        await field.PressAsync("Enter");
    }

    public async Task DeleteAsync(ILocator message)
    {
        await Action(message, "Delete").ClickAsync();
        await Expect(message.GetByText("Delete this message?")).ToBeVisibleAsync();
        await Action(message, "Delete").ClickAsync();
    }

    public async Task ReactAsync(ILocator message, string emoji)
    {
        await Action(message, "React").ClickAsync();
        await message.Locator(".react-palette").GetByRole(AriaRole.Button, new() { Name = emoji, Exact = true }).ClickAsync();
    }

    /// <summary>Resolves once the tab's event stream is open, so nothing sent afterwards can be missed.</summary>
    public async Task WaitForStreamAsync() =>
        await page.WaitForFunctionAsync("() => { const e = document.querySelector('[sse-connect]'); const s = e && window.htmx && e['htmx-internal-data'] && e['htmx-internal-data'].sseEventSource; return s && s.readyState === 1; }");
}
