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

    public async Task SendAsync(string text)
    {
        await MessageField.FillAsync(text);
        await MessageField.PressAsync("Enter");
    }

    public async Task SendWithButtonAsync(string text)
    {
        await MessageField.FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }

    public async Task<IReadOnlyList<string>> MessageTextsAsync() => await Log.Locator(".message-text").AllInnerTextsAsync();

    /// <summary>Resolves once the tab's event stream is open, so nothing sent afterwards can be missed.</summary>
    public async Task WaitForStreamAsync() =>
        await page.WaitForFunctionAsync("() => { const e = document.querySelector('[sse-connect]'); const s = e && htmx && e['htmx-internal-data'] && e['htmx-internal-data'].sseEventSource; return s && s.readyState === 1; }");
}
