using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.E2E.Infrastructure;

/// <summary>The real app on real Kestrel, on a free loopback port, storing its data in <paramref name="dataFolder"/>.</summary>
public sealed class AppHost(string dataFolder) : WebApplicationFactory<Program>
{
    public Uri BaseAddress { get; private set; } = null!;

    public static AppHost Start(string dataFolder)
    {
        var host = new AppHost(dataFolder);
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
    }
}
