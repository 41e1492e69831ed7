using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.E2E.Infrastructure;

/// <summary>The real app on real Kestrel, on a free loopback port, storing its data in <paramref name="dataFolder"/>.</summary>
public sealed class AppHost(string dataFolder, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public Uri BaseAddress { get; private set; } = null!;

    /// <param name="settings">More configuration: a second instance of a cluster shares the folder and names the same Redis.</param>
    public static AppHost Start(string dataFolder, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = new AppHost(dataFolder, settings);
        host.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address);
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("E2E");
        builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={Path.Combine(dataFolder, "htmxchat.db")}");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
