using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>UI.md v2 "Account and administration": the profile page and the admin pages in a browser.</summary>
public sealed partial class ProfileAndAdminTests(BrowserFixture browser) : E2ETest(browser)
{
    private const string RootPassword = "root password";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ADMIN_USER"] = "root",
        ["ADMIN_PASS"] = RootPassword,
    };

    [GeneratedRegex(@"/chats/[0-9a-f]{24}$")]
    private static partial Regex ChatUrl();

    [GeneratedRegex(@"/account/login\?ReturnUrl=")]
    private static partial Regex LoginUrl();

    [Fact]
    public async Task ChangingTheTimeZoneInTheProfileChangesTheTimesShown()
    {
        var (adaPage, ada, _) = await PersonAsync("ada");
        var (_, _, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        var chatUrl = adaPage.Url;
        await ada.SendAsync("what time is it here");
        var before = await MessageTimeAsync(adaPage);

        await new Navbar(adaPage).ChooseAsync("Profile");
        await adaPage.GetByLabel("Time zone").SelectOptionAsync("Asia/Kolkata");
        await adaPage.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(adaPage.GetByRole(AriaRole.Status)).ToHaveTextAsync("Profile saved.");
        await adaPage.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder, "profile.png"), FullPage = true });
        await adaPage.GotoAsync(chatUrl);

        var after = await MessageTimeAsync(adaPage);
        Assert.Equal(330, ((after - before).TotalMinutes + 1440) % 1440);
    }

    [Fact]
    public async Task AnAdminLocksSomeoneAndTheirOpenTabIsSignedOut()
    {
        var (adaPage, ada, adaName) = await PersonAsync("ada");
        var (_, _, bobName) = await PersonAsync("bob");
        await ada.StartChatAsync(bobName);
        await Expect(adaPage).ToHaveURLAsync(ChatUrl());
        await ada.SendAsync("still here");
        var rootPage = await NewPersonAsync();
        var login = new LoginPage(rootPage);
        await login.GotoAsync();
        await login.LogInAsync("root", RootPassword);

        await new Navbar(rootPage).ChooseAsync("Admin");
        await rootPage.GetByLabel("Search by username").FillAsync(adaName);
        await rootPage.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await rootPage.GetByRole(AriaRole.Button, new() { Name = $"Lock {adaName}" }).ClickAsync();

        await Expect(rootPage.GetByRole(AriaRole.Button, new() { Name = $"Unlock {adaName}" })).ToBeVisibleAsync();
        await rootPage.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsFolder, "admin-users.png"), FullPage = true });
        await Expect(adaPage).ToHaveURLAsync(LoginUrl(), new() { Timeout = 15_000 });
        await new LoginPage(adaPage).LogInAsync(adaName, "a long password");
        await Expect(adaPage.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
    }

    private static async Task<TimeSpan> MessageTimeAsync(IPage page)
    {
        var text = await new ChatPage(page).Messages.Last.Locator("time").InnerTextAsync();
        return TimeSpan.Parse(text[(text.IndexOf(',', StringComparison.Ordinal) + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
