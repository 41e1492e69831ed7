namespace HtmxChat.E2E.Pages;

public sealed class LoginPage(IPage page)
{
    public async Task GotoAsync() => await page.GotoAsync("/account/login");

    public ILocator Username => page.GetByLabel("Username");
    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });
    public ILocator Alert => page.GetByRole(AriaRole.Alert);
    public ILocator PasswordError => page.Locator("#Password-error");

    public async Task LogInAsync(string username, string password)
    {
        await Username.FillAsync(username);
        await Password.FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }
}
