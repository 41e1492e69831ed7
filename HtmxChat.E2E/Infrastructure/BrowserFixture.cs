namespace HtmxChat.E2E.Infrastructure;

/// <summary>
/// One Chromium for the whole run: <c>PLAYWRIGHT_CHROMIUM_EXECUTABLE</c> if set, else Debian's <c>/usr/bin/chromium</c>,
/// else the browser Playwright installed itself.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private const string DebianChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string? ExecutablePath() =>
        Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM_EXECUTABLE") is { Length: > 0 } configured ? configured
        : File.Exists(DebianChromium) ? DebianChromium
        : null;

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath(),
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keep Chromium off the (closed) network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
