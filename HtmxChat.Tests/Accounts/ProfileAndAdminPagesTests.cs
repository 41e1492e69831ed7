using System.Net;
using System.Text.RegularExpressions;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Accounts;

/// <summary>UI.md v2 "Account and administration": /account/profile and /admin/users, with cookies.</summary>
public sealed partial class ProfileAndAdminPagesTests : IDisposable
{
    private const string RootPassword = "root password";
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public ProfileAndAdminPagesTests() =>
        _app = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = RootPassword });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task ChangingTheTimeZoneChangesTheTimesShownAtOnce()
    {
        using var ada = await RegisteredAsync();
        using var bob = await RegisteredAsync();
        var chatId = await ada.StartChatAsync(await NameOfAsync(bob));
        (await ada.SendHtmxAsync(chatId, "what time is it")).Dispose();
        var utcTime = MessageTime(await ada.GetPageAsync($"/chats/{chatId}"));

        using var saved = await ada.PostFormAsync("/account/profile", "/account/profile",
            [new("Profile.Email", $"{await NameOfAsync(ada)}@example.com"), new("Profile.TimeZone", "Asia/Kolkata"), new("Profile.Gender", "")]);
        var page = await ada.GetPageAsync(saved.Headers.Location!.OriginalString);
        var kolkataTime = MessageTime(await ada.GetPageAsync($"/chats/{chatId}"));

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Contains("Profile saved.", page);
        Assert.Contains("<option value=\"Asia/Kolkata\" selected=\"selected\">", page);
        Assert.Equal(330, ((kolkataTime - utcTime).TotalMinutes + 1440) % 1440); // Kolkata is UTC+5:30, across midnight too
    }

    [Fact]
    public async Task AProfileErrorIsShownBesideItsFieldAndSavesNothing()
    {
        using var ada = await RegisteredAsync();

        using var response = await ada.PostFormAsync("/account/profile", "/account/profile",
            [new("Profile.Email", "not an email"), new("Profile.TimeZone", "Asia/Kolkata"), new("Profile.Gender", "")]);
        var body = await response.Content.ReadAsStringAsync();
        var page = await ada.GetPageAsync("/account/profile");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"Profile.Email-error\">Enter a valid email address.</div>", body);
        Assert.DoesNotContain("<option value=\"Asia/Kolkata\" selected=\"selected\">", page);
    }

    [Fact]
    public async Task ChangingThePasswordSignsOutEveryOtherSessionButThisOne()
    {
        using var ada = await RegisteredAsync();
        var name = await NameOfAsync(ada);
        using var otherBrowser = new BrowserClient(_app.CreateClient());
        (await otherBrowser.LogInAsync(name, "correct horse")).Dispose();

        using var wrong = await ada.PostFormAsync("/account/profile", "/account/password",
            [new("Password.CurrentPassword", "guess"), new("Password.NewPassword", "a new password")]);
        using var changed = await ada.PostFormAsync("/account/profile", "/account/password",
            [new("Password.CurrentPassword", "correct horse"), new("Password.NewPassword", "a new password")]);
        using var other = await otherBrowser.Http.GetAsync("/chats");
        using var mine = await ada.Http.GetAsync("/chats");

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("id=\"Password.CurrentPassword-error\">The current password is not right.", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Contains("Password changed.", await ada.GetPageAsync(changed.Headers.Location!.OriginalString));
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
        Assert.StartsWith("/account/login", other.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
    }

    [Fact]
    public async Task OnlyAdminsSeeTheAdminPages()
    {
        using var ada = await RegisteredAsync();
        using var root = await RootAsync();

        using var asPerson = await ada.Http.GetAsync("/admin/users");
        var chats = await ada.GetPageAsync("/chats");
        var asAdmin = await root.GetPageAsync($"/admin/users?search={await NameOfAsync(ada)}");

        Assert.Equal(HttpStatusCode.Forbidden, asPerson.StatusCode);
        Assert.DoesNotContain("href=\"/admin/users\"", chats);
        Assert.Contains("href=\"/admin/users\"", await root.GetPageAsync("/chats"));
        Assert.Contains($"data-user=\"{await NameOfAsync(ada)}\"", asAdmin);
        Assert.DoesNotContain("data-user=\"root\"", asAdmin);
    }

    [Fact]
    public async Task ALockFromTheAdminPageSignsThePersonOutAtOnce()
    {
        using var ada = await RegisteredAsync();
        using var root = await RootAsync();
        var adaId = await ada.UserIdAsync();

        using var locked = await root.PostFormAsync("/admin/users", $"/admin/users/{adaId}/lock", []);
        using var afterLock = await ada.Http.GetAsync("/chats");
        var list = await root.GetPageAsync($"/admin/users?search={await NameOfAsync(root)}");

        Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, afterLock.StatusCode);
        Assert.StartsWith("/account/login", afterLock.Headers.Location!.PathAndQuery);
        Assert.Contains("Unlock", await root.GetPageAsync("/admin/users"));
        Assert.Contains("data-user=\"root\"", list);
    }

    [Fact]
    public async Task MakingSomeoneAdminShowsOnTheirOpenSessionAtOnceAndRemovingItTakesItAway()
    {
        using var ada = await RegisteredAsync();
        using var root = await RootAsync();
        var adaId = await ada.UserIdAsync();

        (await root.PostFormAsync("/admin/users", $"/admin/users/{adaId}/admin", [])).Dispose();
        using var asAdmin = await ada.Http.GetAsync("/admin/users");
        (await root.PostFormAsync("/admin/users", $"/admin/users/{adaId}/admin/remove", [])).Dispose();
        using var removed = await ada.Http.GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
    }

    [Fact]
    public async Task TheAdminPageRefusesToLockTheSeededAdminAndSaysWhy()
    {
        using var root = await RootAsync();
        var rootId = await root.UserIdAsync();

        using var response = await root.PostFormAsync("/admin/users", $"/admin/users/{rootId}/lock", []);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("You cannot lock yourself", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await root.Http.GetAsync("/chats")).StatusCode);
    }

    private async Task<BrowserClient> RegisteredAsync()
    {
        var browser = new BrowserClient(_app.CreateClient());
        (await browser.RegisterAsync(BrowserClient.UniqueName())).Dispose();
        return browser;
    }

    private async Task<BrowserClient> RootAsync()
    {
        var browser = new BrowserClient(_app.CreateClient());
        using var response = await browser.LogInAsync("root", RootPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return browser;
    }

    private static async Task<string> NameOfAsync(BrowserClient browser) =>
        SignedInPattern().Match(await browser.GetPageAsync("/chats")).Groups[1].Value;

    private static TimeSpan MessageTime(string page) => TimeSpan.Parse(MessageTimePattern().Match(page).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("id=\"signed-in-user\">([^<]+)<")]
    private static partial Regex SignedInPattern();

    [GeneratedRegex("<time class=\"text-body-secondary\" datetime=\"[^\"]+\" title=\"[^\"]*\">\\d+ \\w+, (\\d\\d:\\d\\d)</time>")]
    private static partial Regex MessageTimePattern();
}
