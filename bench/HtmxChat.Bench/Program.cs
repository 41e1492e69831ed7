// HtmxChat's load benchmark (not run by CI). It publishes the app (and the SignalR peer in bench/SignalRPeer), starts
// each on a fresh store on a free loopback port, drives it with raw-socket clients, and prints JSON lines and a
// Markdown table. See bench/README.md.
//
//   dotnet run -c Release --project bench/HtmxChat.Bench -- fanout --streams 1000,10000 [--messages 50] [--rate 10] [--servers htmxchat,signalr,bare,bare-jwt,bare-jwt-endpoint]
//   dotnet run -c Release --project bench/HtmxChat.Bench -- idle [--streams 10000]
//   dotnet run -c Release --project bench/HtmxChat.Bench -- ingest --senders 1,8,64 [--seconds 10] [--chats separate,shared]
//   dotnet run -c Release --project bench/HtmxChat.Bench -- all
using System.Text.Json;
using HtmxChat.Bench;

var command = args.FirstOrDefault() ?? "help";
string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}
int[] Numbers(string name, string fallback) => [.. Option(name, fallback).Split(',').Select(int.Parse)];
var force = args.Contains("--force");
var output = Option("out", "");

if (command == "chart")
{
    // Redraws the chart (and the tables) from JSON lines a run wrote, without measuring again.
    var saved = File.ReadAllLines(Option("from", Path.Combine(FindRepository(), "bench", "results", "latest.jsonl")))
        .Where(line => line.Length > 0).Select(Report.FromJsonLine).ToList();
    Chart.Write(saved, Option("to", Path.Combine(FindRepository(), "bench", "results", "fanout.png")));
    Console.WriteLine(Report.Markdown(saved));
    return 0;
}

if (command is not ("fanout" or "idle" or "ingest" or "floor" or "stalled" or "reconnect" or "all"))
{
    Console.WriteLine("commands: fanout --streams 1000,5000 [--messages 50] [--rate 10] [--servers htmxchat,signalr,bare,bare-jwt,bare-jwt-endpoint,htmxchat-browser]");
    Console.WriteLine("          idle [--streams 10000]   (server memory per idle API stream, browser stream and WebSocket)");
    Console.WriteLine("          ingest --senders 1,8,64 [--seconds 10] [--chats separate,shared]");
    Console.WriteLine("          floor --senders 1,64 [--seconds 10]   (GET /api/me: what any API request costs, the ceiling for sends)");
    Console.WriteLine("          stalled --streams 1000 --stalled 1000 [--messages 100] [--rate 10] [--let-go 40]");
    Console.WriteLine("          reconnect --streams 19000 [--messages 60] [--rate 5]");
    Console.WriteLine("          all   (the standard set: fan-out at 1k, 5k, 10k and 19k streams on every server, HtmxChat's idle connections at 10k,");
    Console.WriteLine("                 ingest 1, 8, 64 both ways, the floor at 1 and 64, stalled readers, a reconnect storm of 19k)");
    Console.WriteLine("          chart [--from bench/results/latest.jsonl] [--to bench/results/fanout.png]   (redraw from a run's JSON lines)");
    Console.WriteLine("options:  --out results.jsonl (also append the JSON lines there)   --force (measure even on a busy machine)");
    Console.WriteLine("          --server-env Name=value,Name=value (environment for HtmxChat's process only, to try a setting)");
    return 2;
}

var repository = FindRepository();
var serverEnvironment = Option("server-env", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
    .Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");
var subjects = new Subjects(repository, serverEnvironment);
// A build that just finished may still be winding down: give the machine a few chances to be quiet.
var busy = 1.0;
for (var attempt = 0; attempt < 5 && busy > 0.25; attempt++)
{
    busy = await ProcessStats.BusyAsync(TimeSpan.FromSeconds(2));
}
if (busy > 0.25 && !force)
{
    Console.Error.WriteLine($"The machine is {busy:P0} busy with something else: the numbers would measure that too. Stop it, or pass --force.");
    return 3;
}

var results = new List<Result>();
async Task RecordAsync(Task<Result> running)
{
    var result = await running;
    results.Add(result);
    var line = Report.JsonLine(result);
    Console.WriteLine(line);
    if (output.Length > 0)
    {
        await File.AppendAllTextAsync(output, line + Environment.NewLine);
    }
}

var servers = Option("servers", "htmxchat,signalr,bare,bare-jwt,bare-jwt-endpoint").Split(',').Select(s => s.Trim().ToLowerInvariant() switch
{
    "signalr" => ServerKind.SignalR,
    "bare" => ServerKind.BareStreams,
    "bare-jwt" => ServerKind.SignedInBareStreams,
    "bare-jwt-endpoint" => ServerKind.EndpointCheckedBareStreams,
    "htmxchat-browser" => ServerKind.HtmxChatBrowser,
    _ => ServerKind.HtmxChat,
}).ToArray();
if (command is "fanout" or "all")
{
    var counts = command == "all" ? [1000, 5000, 10000, 19000] : Numbers("streams", "1000");
    foreach (var n in counts)
    {
        foreach (var kind in servers)
        {
            await RecordAsync(Fanout.RunAsync(subjects, kind, n, int.Parse(Option("messages", "50")), double.Parse(Option("rate", "10"), System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
if (command is "idle" or "all")
{
    foreach (var transport in Idle.Transports)
    {
        await RecordAsync(Idle.RunAsync(subjects, transport, int.Parse(Option("streams", "10000"))));
    }
}
if (command is "ingest" or "all")
{
    var senders = command == "all" ? [1, 8, 64] : Numbers("senders", "1,8,64");
    var ways = command == "all" ? ["separate", "shared"] : Option("chats", "separate,shared").Split(',');
    foreach (var way in ways)
    {
        foreach (var k in senders)
        {
            await RecordAsync(Ingest.RunAsync(subjects, k, way == "shared", double.Parse(Option("seconds", "10"), System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}

if (command is "floor" or "all")
{
    foreach (var k in command == "all" ? [1, 64] : Numbers("senders", "1,64"))
    {
        await RecordAsync(Floor.RunAsync(subjects, k, double.Parse(Option("seconds", "10"), System.Globalization.CultureInfo.InvariantCulture)));
    }
}

if (command is "stalled" or "all")
{
    var streams = int.Parse(Option("streams", "1000"));
    var stalled = int.Parse(Option("stalled", "1000"));
    var messages = int.Parse(Option("messages", "100"));
    var rate = double.Parse(Option("rate", "10"), System.Globalization.CultureInfo.InvariantCulture);
    var letGo = TimeSpan.FromSeconds(double.Parse(Option("let-go", "40"), System.Globalization.CultureInfo.InvariantCulture));
    // The control: the same readers and messages with nobody stalled.
    await RecordAsync(Stalled.RunAsync(subjects, streams, 0, messages, rate, TimeSpan.Zero));
    await RecordAsync(Stalled.RunAsync(subjects, streams, stalled, messages, rate, letGo));
}

if (command is "reconnect" or "all")
{
    foreach (var n in command == "all" ? [19000] : Numbers("streams", "1000"))
    {
        await RecordAsync(ReconnectStorm.RunAsync(subjects, n, int.Parse(Option("messages", "60")), double.Parse(Option("rate", "5"), System.Globalization.CultureInfo.InvariantCulture)));
    }
}

Console.WriteLine();
var table = Report.Markdown(results);
Console.WriteLine(table);
if (Option("chart", "") is { Length: > 0 } chartPath)
{
    Chart.Write(results, chartPath);
}
if (command == "all")
{
    // What README's Performance section shows: regenerated by this one command.
    var folder = Path.Combine(repository, "bench", "results");
    Directory.CreateDirectory(folder);
    await File.WriteAllTextAsync(Path.Combine(folder, "latest.md"), table);
    await File.WriteAllLinesAsync(Path.Combine(folder, "latest.jsonl"), results.Select(Report.JsonLine));
    Chart.Write(results, Path.Combine(folder, "fanout.png"));
    Console.WriteLine($"wrote bench/results/latest.md, latest.jsonl and fanout.png");
}
return 0;

static string FindRepository()
{
    for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "HtmxChat.sln")))
        {
            return folder.FullName;
        }
    }
    throw new InvalidOperationException("Run the benchmark from inside the HtmxChat repository.");
}
