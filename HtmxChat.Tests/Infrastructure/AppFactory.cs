using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>The whole app in memory on its own SQLite file, in a non-Development environment (secure cookies and all).</summary>
public class AppFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Replaces some of the app's services (a clock, a push service) with the test's own.</param>
    public AppFactory(string dataFolder, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        DataFolder = dataFolder;
        _services = services;
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:Sqlite"] = $"Data Source={System.IO.Path.Combine(dataFolder, "htmxchat.db")}",
        };
        // Every in-memory request comes from the same (absent) address; tests of the per-address limit set their own.
        _settings.TryAdd("RateLimits:LoginsPerMinutePerAddress", "10000");
        _settings.TryAdd("Chat:SendBurst", "1000");
        ClientOptions.BaseAddress = new Uri("https://localhost");
        ClientOptions.AllowAutoRedirect = false;
    }

    public string DataFolder { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}

/// <summary>One app per test class, on a temp folder of its own.</summary>
public sealed class AppFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public AppFixture() => Factory = new AppFactory(_folder.Path);

    public AppFactory Factory { get; }

    public BrowserClient Browser() => new(Factory.CreateClient());

    public void Dispose()
    {
        Factory.Dispose();
        _folder.Dispose();
    }
}
