using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

public sealed partial class AccountTests(BrowserFixture browser) : E2ETest(browser)
{
    [GeneratedRegex("/chats$")]
    private static partial Regex ChatsUrl();

    [GeneratedRegex("/account/login$")]
    private static partial Regex LoginUrl();

    [Fact]
    public async Task RegisterLandsOnChatsThenLogOutAndLogInAgain()
    {
        var page = await NewPersonAsync();
        var name = UniqueName("ada");

        await new RegisterPage(page).RegisterAsync(name, "analytical engine", timeZone: "Europe/London");
        await Expect(page).ToHaveURLAsync(ChatsUrl());
        await Expect(new Navbar(page).SignedInUser).ToHaveTextAsync(name);

        await new Navbar(page).LogOutAsync();
        await Expect(page).ToHaveURLAsync(LoginUrl());

        await new LoginPage(page).LogInAsync(name, "analytical engine");
        await Expect(page).ToHaveURLAsync(ChatsUrl());
        await Expect(new Navbar(page).SignedInUser).ToHaveTextAsync(name);
    }

    [Fact]
    public async Task WrongPasswordShowsAnErrorBesideThePasswordAndKeepsTheUsername()
    {
        var page = await NewPersonAsync();
        var name = UniqueName("grace");
        await new RegisterPage(page).RegisterAsync(name, "compiler first");
        await new Navbar(page).LogOutAsync();

        var login = new LoginPage(page);
        await login.LogInAsync(name, "not the password");

        await Expect(login.Alert).ToBeVisibleAsync();
        await Expect(login.PasswordError).ToContainTextAsync("Invalid username or password");
        await Expect(login.Username).ToHaveValueAsync(name);
        await Expect(login.Password).ToHaveValueAsync("");
    }

    [Fact]
    public async Task InvalidRegistrationShowsEachErrorBesideItsField()
    {
        var page = await NewPersonAsync();
        var register = new RegisterPage(page);
        await register.GotoAsync();

        await register.Username.FillAsync("x");
        await register.Email.FillAsync("nope");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();

        await Expect(register.Alert).ToBeVisibleAsync();
        await Expect(page.Locator("#Username-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#Email-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#Password-error")).ToBeVisibleAsync();
        await Expect(register.Username).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(register.Email).ToHaveValueAsync("nope");
    }

    [Fact]
    public async Task AnAccountSurvivesARestartOfTheApp()
    {
        var page = await NewPersonAsync();
        var name = UniqueName("linus");
        await new RegisterPage(page).RegisterAsync(name, "kernel hacker");
        await Expect(page).ToHaveURLAsync(ChatsUrl());

        var restarted = RestartApp();
        var fresh = await NewPersonAsync();
        await fresh.GotoAsync(new Uri(restarted, "/account/login").ToString());
        await new LoginPage(fresh).LogInAsync(name, "kernel hacker");

        await Expect(fresh).ToHaveURLAsync(ChatsUrl());
        await Expect(new Navbar(fresh).SignedInUser).ToHaveTextAsync(name);
    }
}
