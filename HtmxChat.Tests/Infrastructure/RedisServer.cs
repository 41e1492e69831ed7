using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>
/// A real redis-server of the test's own on a free loopback port, never one shared with anything else. It can be
/// stopped and started again on the same port, to test an outage.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(string executable, int port)
    {
        Executable = executable;
        Port = port;
    }

    public string Executable { get; }
    public int Port { get; }

    /// <summary>StackExchange.Redis syntax, for <c>Redis:Configuration</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000";

    public static string? FindExecutable() =>
        Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } configured ? configured
        : new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>Starts one, or skips the test where redis-server is not installed (CI installs it, and there a missing one fails).</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "redis-server is not installed; .ci/run installs it.");
            Assert.Skip("redis-server is not installed (apt-get install redis-server).");
        }
        var server = new RedisServer(executable!, FreePort());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await PingAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, $"redis-server did not answer on port {Port}.");
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
