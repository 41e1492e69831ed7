using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HtmxChat.Bench;

/// <summary>A server under test, published from this repository and started on a fresh store on a free loopback port.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private Process _process;
    private readonly string _dataFolder;
    private readonly ProcessStartInfo _start;

    /// <summary>Where its store lives.</summary>
    public string DataFolder => _dataFolder;

    private ServerProcess(Process process, int port, string dataFolder, ProcessStartInfo start)
    {
        _process = process;
        Port = port;
        _dataFolder = dataFolder;
        _start = start;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Publishes <paramref name="project"/> (Release) and returns the path of its dll.</summary>
    public static string Publish(string repository, string project, string name)
    {
        var output = Path.Combine(Path.GetTempPath(), "htmxchat-bench", name);
        Console.Error.WriteLine($"publishing {project} …");
        using var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", Path.Combine(repository, project), "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", output, "--nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var said = publish.StandardOutput.ReadToEndAsync();
        var complained = publish.StandardError.ReadToEndAsync();
        publish.WaitForExit();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:\n{said.Result}\n{complained.Result}");
        }
        return Path.Combine(output, Path.GetFileNameWithoutExtension(project) + ".dll");
    }

    public static async Task<ServerProcess> StartAsync(string dll, IDictionary<string, string> environment, string? contentRoot = null)
    {
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("htmxchat-bench-data-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}", .. contentRoot is null ? Array.Empty<string>() : ["--contentRoot", contentRoot]])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(data, "htmxchat.db")}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // Every server runs as HtmxChat's Docker image does: the framework's hot code compiled with the process's own profile.
        start.Environment["DOTNET_ReadyToRun"] = "0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var server = new ServerProcess(Launch(start), port, data, start);
        await server.WaitUntilAnsweringAsync();
        return server;
    }

    /// <summary>Kills the server outright (as a crash would) and starts it again on the same port and store.</summary>
    public async Task<TimeSpan> RestartAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        var started = Stopwatch.StartNew();
        _process = Launch(_start);
        await WaitUntilAnsweringAsync();
        return started.Elapsed;
    }

    private static Process Launch(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[server] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var server = this;
        var process = _process;
        var dll = _start.ArgumentList[0];
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{dll} exited with {process.ExitCode} before it answered.");
            }
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{dll} did not answer /health within a minute.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Resident memory, in bytes.</summary>
    public long Rss => ProcessStats.RssOf(Pid);

    /// <summary>User and system CPU time used so far.</summary>
    public TimeSpan Cpu => ProcessStats.CpuOf(Pid);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What /proc says of a process, and of the machine.</summary>
public static class ProcessStats
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static long RssOf(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    public static TimeSpan CpuOf(int pid)
    {
        // Fields after the command name (which may hold spaces, in parentheses): utime is the 14th field, stime the 15th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond);
    }

    /// <summary>Memory the kernel holds in TCP buffers, machine-wide (the <c>mem</c> pages of /proc/net/sockstat).</summary>
    public static long KernelTcpMemory()
    {
        var tcp = File.ReadLines("/proc/net/sockstat").First(l => l.StartsWith("TCP:", StringComparison.Ordinal)).Split(' ');
        return long.Parse(tcp[Array.IndexOf(tcp, "mem") + 1]) * Environment.SystemPageSize;
    }

    /// <summary>How busy the machine's CPUs were over <paramref name="window"/>, 0 to 1, leaving out <paramref name="exceptPids"/>.</summary>
    public static async Task<double> BusyAsync(TimeSpan window, params int[] exceptPids)
    {
        static (long Busy, long Total) Machine()
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = cpu[3] + cpu[4];
            return (cpu.Sum() - idle, cpu.Sum());
        }
        TimeSpan Ours() => exceptPids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + CpuOf(pid));
        var (busy0, total0) = Machine();
        var ours0 = Ours();
        await Task.Delay(window);
        var (busy1, total1) = Machine();
        var ours1 = Ours();
        var total = Math.Max(1, total1 - total0);
        var busy = busy1 - busy0 - (ours1 - ours0).TotalSeconds * TicksPerSecond;
        return Math.Max(0, busy / total);
    }
}
