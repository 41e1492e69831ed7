using System.Net;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Accounts;

/// <summary>What an operator relies on across start-ups: the seed's admin variables, settings checked at boot, and restarts.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static Dictionary<string, string?> Admin(string? password = "admin password") => new()
    {
        ["ADMIN_USER"] = "root",
        ["ADMIN_PASS"] = password,
        ["ADMIN_EMAIL"] = "root@example.com",
        ["ADMIN_GENDER"] = "other",
        ["ADMIN_TIMEZONE"] = "Asia/Kolkata",
    };

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AdminFromTheEnvironmentExistsOnceWithItsValuesAfterTwoStarts()
    {
        for (var start = 0; start < 2; start++)
        {
            using var factory = new AppFactory(_folder.Path, Admin());
            _ = factory.Services;
        }
        using var last = new AppFactory(_folder.Path, Admin());
        using var browser = new BrowserClient(last.CreateClient());

        using var login = await browser.LogInAsync("root", "admin password");
        var users = last.Services.GetRequiredService<IUserRepository>();
        var admins = await users.FindInRoleAsync("Admin");

        Assert.Equal("/chats", login.Headers.Location?.OriginalString);
        var admin = Assert.Single(admins);
        Assert.Equal(("root", "root@example.com", "other", "Asia/Kolkata"), (admin.UserName, admin.Email, admin.Gender, admin.TimeZone));
    }

    [Fact]
    public async Task ChangedAdminPasswordTakesEffectAtTheNextStart()
    {
        using (var first = new AppFactory(_folder.Path, Admin("first password")))
        {
            _ = first.Services;
        }
        using var second = new AppFactory(_folder.Path, Admin("second password"));
        using var browser = new BrowserClient(second.CreateClient());

        using var old = await browser.LogInAsync("root", "first password");
        using var current = await browser.LogInAsync("root", "second password");

        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Equal("/chats", current.Headers.Location?.OriginalString);
    }

    [Fact]
    public void AdminUserWithoutAPasswordStopsStartUpNamingTheSetting()
    {
        using var factory = new AppFactory(_folder.Path, Admin(password: null));

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("ADMIN_PASS", error.ToString());
    }

    [Fact]
    public void AMalformedMongoUriStopsStartUpNamingTheSetting()
    {
        using var factory = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["MONGO_URI"] = "not a mongo uri" });

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("MONGO_URI", error.ToString());
    }

    [Fact]
    public async Task ASignedInBrowserStaysSignedInAcrossARestart()
    {
        HttpResponseMessage registered;
        using (var first = new AppFactory(_folder.Path))
        using (var browser = new BrowserClient(first.CreateClient()))
        {
            registered = await browser.RegisterAsync("survivor");
        }
        var cookie = registered.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("htmxchat.auth=", StringComparison.Ordinal)).Split(';')[0];

        using var second = new AppFactory(_folder.Path);
        using var client = second.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chats");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(">survivor</span>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheDatabaseFileIsCreatedUnderTheConfiguredFolder()
    {
        using var factory = new AppFactory(_folder.Path);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(File.Exists(_folder.File("htmxchat.db")));
    }
}
