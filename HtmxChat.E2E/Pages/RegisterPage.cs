namespace HtmxChat.E2E.Pages;

public sealed class RegisterPage(IPage page)
{
    public async Task GotoAsync() => await page.GotoAsync("/account/register");

    public ILocator Username => page.GetByLabel("Username");
    public ILocator Email => page.GetByLabel("Email");
    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });
    public ILocator TimeZone => page.GetByLabel("Time zone");
    public ILocator Alert => page.GetByRole(AriaRole.Alert);

    public async Task RegisterAsync(string username, string password, string? timeZone = null)
    {
        await GotoAsync();
        await Username.FillAsync(username);
        await Email.FillAsync($"{username}@example.com");
        await Password.FillAsync(password);
        if (timeZone is not null)
        {
            await TimeZone.SelectOptionAsync(timeZone);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
    }
}
