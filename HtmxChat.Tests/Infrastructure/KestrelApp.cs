using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>The app on real Kestrel on a free loopback port, for what only real sockets show (clients that stop reading).</summary>
public sealed class KestrelApp : IDisposable
{
    private KestrelApp(AppFactory factory, Uri address)
    {
        Factory = factory;
        Address = address;
    }

    public AppFactory Factory { get; }
    public Uri Address { get; }

    public static KestrelApp Start(string dataFolder, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var factory = new AppFactory(dataFolder, settings, services);
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelApp(factory, new Uri(address));
    }

    /// <summary>
    /// A client whose sockets have a small, fixed receive buffer (no autotuning), so one that stops reading pushes back
    /// on the server after a few kilobytes, as a stalled phone would.
    /// </summary>
    public static SocketsHttpHandler SmallBufferHandler() => new()
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8 * 1024, NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    };

    public HttpClient Client(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Address };

    public void Dispose() => Factory.Dispose();
}
