namespace HtmxChat.E2E.Pages;

/// <summary>What every signed-in page shows at the top.</summary>
public sealed class Navbar(IPage page)
{
    public ILocator SignedInUser => page.Locator("#signed-in-user");

    public ILocator UserMenu => page.Locator("details.user-menu");

    public async Task LogOutAsync() => await ChooseAsync("Log out");

    /// <summary>Opens the user menu and picks an entry: Profile, Admin or Log out.</summary>
    public async Task ChooseAsync(string entry)
    {
        if (await UserMenu.GetAttributeAsync("open") is null)
        {
            await UserMenu.Locator("summary").ClickAsync();
        }
        await UserMenu.Locator(".dropdown-menu").GetByText(entry, new() { Exact = true }).ClickAsync();
    }
}
