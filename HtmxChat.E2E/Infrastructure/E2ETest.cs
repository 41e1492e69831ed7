using HtmxChat.E2E.Pages;
using HtmxChat.Tests.Infrastructure;
[assembly: AssemblyFixture(typeof(HtmxChat.E2E.Infrastructure.BrowserFixture))]

namespace HtmxChat.E2E.Infrastructure;

/// <summary>
/// Each test gets a fresh app on a fresh data folder and its own browser contexts. A failing test leaves a screenshot
/// and a Playwright trace of every page in TestResults/e2e.
/// </summary>
public abstract partial class E2ETest(BrowserFixture browser) : IAsyncLifetime
{
    private static int _users;
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("htmxchat-e2e-").FullName;
    private readonly List<IBrowserContext> _contexts = [];

    private AppHost? _second;
    private RedisServer? _redis;

    protected AppHost App { get; private set; } = null!;

    public static string ArtifactsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "e2e");

    protected static string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _users)}";

    /// <summary>Configuration the test class's app starts with (for example the ADMIN_* account).</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    public ValueTask InitializeAsync()
    {
        App = AppHost.Start(_dataFolder, Settings);
        return ValueTask.CompletedTask;
    }

    /// <summary>A separate browser profile: a different person, or the same person in a fresh window.</summary>
    protected async Task<IPage> NewPersonAsync(int width = 1280, int height = 800, Uri? through = null, bool javaScript = true, ColorScheme colorScheme = ColorScheme.Light, bool bypassCsp = false)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (through ?? App.BaseAddress).ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            TimezoneId = "UTC",
            JavaScriptEnabled = javaScript,
            ColorScheme = colorScheme,
            // Only for injecting test tools (axe) into pages whose policy forbids inline scripts.
            BypassCSP = bypassCsp,
        });
        context.SetDefaultTimeout(10_000);
        await context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true, Sources = false });
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>An open conversation's address.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("/chats/[0-9a-f]{24}")]
    protected static partial System.Text.RegularExpressions.Regex ChatPageUrl();

    /// <summary>Ada starts a chat with Bob; both have it open and streaming.</summary>
    protected async Task<(ChatPage Ada, ChatPage Bob, IPage AdaPage, IPage BobPage)> ChattingAsync(Uri? adaThrough = null, int bobWidth = 1280)
    {
        var (adaPage, ada, _) = await PersonAsync("ada", adaThrough);
        var (bobPage, bob, bobName) = await PersonAsync("bob", width: bobWidth);
        await ada.StartChatAsync(bobName);
        await Microsoft.Playwright.Assertions.Expect(adaPage).ToHaveURLAsync(ChatPageUrl());
        await bobPage.GotoAsync(new Uri(adaPage.Url).AbsolutePath);
        await ada.WaitForStreamAsync();
        await bob.WaitForStreamAsync();
        return (ada, bob, adaPage, bobPage);
    }

    /// <summary>Someone new: a browser profile of their own, registered (password "a long password") and on their chat list.</summary>
    protected async Task<(IPage Page, ChatPage Chat, string Name)> PersonAsync(
        string prefix, Uri? through = null, bool javaScript = true, int width = 1280, int height = 800)
    {
        var page = await NewPersonAsync(width, height, through, javaScript);
        var name = UniqueName(prefix);
        await new RegisterPage(page).RegisterAsync(name, "a long password");
        return (page, new ChatPage(page), name);
    }

    /// <summary>Stops the app and starts it again on the same data folder (on a new port); returns the new base address.</summary>
    protected Uri RestartApp()
    {
        App.Dispose();
        App = AppHost.Start(_dataFolder, Settings);
        return App.BaseAddress;
    }

    /// <summary>
    /// Two instances on one store and a Redis of the test's own, as behind a load balancer: <see cref="App"/> becomes
    /// instance A (on a new port), and the returned host is instance B.
    /// </summary>
    protected async Task<AppHost> StartSecondInstanceAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis:Configuration"] = _redis.Configuration, ["Redis:Prefix"] = "e2e" };
        App.Dispose();
        App = AppHost.Start(_dataFolder, settings);
        _second = AppHost.Start(_dataFolder, settings);
        return _second;
    }

    public async ValueTask DisposeAsync()
    {
        var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
        var name = string.Concat((TestContext.Current.Test?.TestDisplayName ?? "test").Split(Path.GetInvalidFileNameChars()));
        for (var i = 0; i < _contexts.Count; i++)
        {
            var context = _contexts[i];
            if (failed)
            {
                Directory.CreateDirectory(ArtifactsFolder);
                foreach (var page in context.Pages)
                {
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsFolder, $"{name}-{i}.png"), FullPage = true });
                }
                await context.Tracing.StopAsync(new TracingStopOptions { Path = Path.Combine(ArtifactsFolder, $"{name}-{i}.trace.zip") });
            }
            else
            {
                await context.Tracing.StopAsync();
            }
            await context.DisposeAsync();
        }
        App.Dispose();
        _second?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes what a finishing background task still holds.
        }
        GC.SuppressFinalize(this);
    }
}
