namespace HtmxChat.E2E.Pages;

/// <summary>What every signed-in page shows at the top.</summary>
public sealed class Navbar(IPage page)
{
    public ILocator SignedInUser => page.Locator("#signed-in-user");

    public async Task LogOutAsync() => await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
}
