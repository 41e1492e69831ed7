using System.Text.Json;
using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>axe-core on every page, in both themes, on a desktop and on a phone: no serious or critical violation.</summary>
public sealed class AccessibilityTests(BrowserFixture browser) : E2ETest(browser)
{
    private static readonly string Axe = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe.min.js"));

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ADMIN_USER"] = "root", ["ADMIN_PASS"] = "root password" };

    [Theory]
    [InlineData(ColorScheme.Light, 1280)]
    [InlineData(ColorScheme.Dark, 1280)]
    [InlineData(ColorScheme.Light, 360)]
    [InlineData(ColorScheme.Dark, 360)]
    public async Task EveryPageHasNoSeriousOrCriticalViolations(ColorScheme theme, int width)
    {
        var anonymous = await NewPersonAsync(width: width, colorScheme: theme, bypassCsp: true);
        var problems = new List<string>();
        foreach (var url in new[] { "/account/login", "/account/register" })
        {
            await anonymous.GotoAsync(url);
            problems.AddRange(await ViolationsAsync(anonymous, url));
        }

        var (bobPage, _) = await RegisteredAsync("bob", width, theme);
        var (page, chat) = await RegisteredAsync("ada", width, theme);
        var bobName = await bobPage.Locator("#signed-in-user").InnerTextAsync();
        await chat.StartChatAsync(bobName);
        await Expect(page).ToHaveURLAsync(new Regex("/chats/[0-9a-f]{24}"));
        await chat.SendAsync($"hello, @{bobName}, welcome");
        await chat.ReactAsync(chat.Messages.First, "👍");
        await Expect(chat.Reaction(chat.Messages.First, "👍")).ToHaveCountAsync(1);
        await bobPage.GotoAsync(new Uri(page.Url).AbsolutePath);
        await new ChatPage(bobPage).SendAsync("hi ada");
        await Expect(chat.Messages).ToHaveCountAsync(2);
        var chatUrl = new Uri(page.Url).AbsolutePath;

        foreach (var url in new[] { chatUrl, "/chats", "/search?q=hello", $"{chatUrl}?at=1", "/account/profile" })
        {
            await page.GotoAsync(url);
            problems.AddRange(await ViolationsAsync(page, url));
        }
        await page.GotoAsync(chatUrl);
        await page.Locator("#chat-details > summary").ClickAsync();
        problems.AddRange(await ViolationsAsync(page, "chat details"));
        await page.Locator("details.user-menu > summary").ClickAsync();
        problems.AddRange(await ViolationsAsync(page, "user menu"));

        var login = new LoginPage(anonymous);
        await login.GotoAsync();
        await login.LogInAsync("root", "root password");
        await anonymous.GotoAsync("/admin/users");
        problems.AddRange(await ViolationsAsync(anonymous, "/admin/users"));

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private async Task<(IPage Page, ChatPage Chat)> RegisteredAsync(string prefix, int width, ColorScheme theme)
    {
        var page = await NewPersonAsync(width: width, colorScheme: theme, bypassCsp: true);
        await new RegisterPage(page).RegisterAsync(UniqueName(prefix), "a long password");
        return (page, new ChatPage(page));
    }

    private static async Task<IEnumerable<string>> ViolationsAsync(IPage page, string url)
    {
        await page.EvaluateAsync(Axe);
        var json = await page.EvaluateAsync<JsonElement>("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations");
        return json.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{url}: {v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at " +
                string.Join(", ", v.GetProperty("nodes").EnumerateArray().Take(3).Select(n => n.GetProperty("target")[0].GetString())));
    }
}
