using System.Text;

namespace HtmxChat.Bench;

/// <summary>The results as Markdown tables: fan-out side by side with SignalR and bare Kestrel streams, then ingest.</summary>
public static class Report
{
    public static string Markdown(IReadOnlyList<Result> results)
    {
        var text = new StringBuilder();
        var fanout = results.Where(r => r.Scenario == "fanout").ToList();
        if (fanout.Count > 0)
        {
            text.AppendLine("| streams | server | p50 ms | p90 ms | p99 ms | max ms | lost | twice | out of order | delivered/s | KB per idle stream | server CPU s | client CPU s |");
            text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in fanout.OrderBy(r => (int)r.Values["streams"]).ThenBy(r => r.Server))
            {
                var v = r.Values;
                text.AppendLine($"| {v["streams"]:N0} | {r.Server} | {v["p50Ms"]} | {v["p90Ms"]} | {v["p99Ms"]} | {v["maxMs"]} | {v["lost"]} | {v["duplicated"]} | {v["outOfOrder"]} | {v["deliveredPerSecond"]:N0} | {v["serverKBPerIdleStream"]} | {v["serverCpuSeconds"]} | {v["clientCpuSeconds"]} |");
            }
            foreach (var streams in fanout.GroupBy(r => (int)r.Values["streams"]))
            {
                if (streams.SingleOrDefault(r => r.Server == Subjects.Name(ServerKind.HtmxChat))?.Values is not { } ours)
                {
                    continue;
                }
                if (streams.SingleOrDefault(r => r.Server == Subjects.Name(ServerKind.SignalR))?.Values is { } signalR)
                {
                    text.AppendLine($"\n{streams.Key:N0} streams: HtmxChat's p99 is {Ratio(ours["p99Ms"], signalR["p99Ms"])} SignalR's; memory per idle stream {Ratio(ours["serverKBPerIdleStream"], signalR["serverKBPerIdleStream"])}.");
                }
                foreach (var (kind, what) in new[]
                {
                    (ServerKind.BareStreams, "bare Kestrel streams (the same bytes written to each, nothing else)"),
                    (ServerKind.SignedInBareStreams, "the same behind the framework's bearer-token check"),
                    (ServerKind.EndpointCheckedBareStreams, "the same with the token checked by the endpoint, nothing of it kept"),
                })
                {
                    if (streams.SingleOrDefault(r => r.Server == Subjects.Name(kind))?.Values is { } bare)
                    {
                        text.AppendLine($"\n{streams.Key:N0} streams: HtmxChat's p99 is {Ratio(ours["p99Ms"], bare["p99Ms"])} that of {what}; memory per idle stream {Ratio(ours["serverKBPerIdleStream"], bare["serverKBPerIdleStream"])}.");
                    }
                }
            }
            text.AppendLine();
        }
        var idle = results.Where(r => r.Scenario == "idle").ToList();
        if (idle.Count > 0)
        {
            text.AppendLine("| HtmxChat, idle | connections | KB per idle connection |");
            text.AppendLine("|---|---:|---:|");
            foreach (var v in idle.Select(r => r.Values))
            {
                text.AppendLine($"| {v["transport"]} | {v["streams"]:N0} | {v["serverKBPerIdleStream"]} |");
            }
            text.AppendLine();
        }
        var ingest = results.Where(r => r.Scenario.StartsWith("ingest", StringComparison.Ordinal)).ToList();
        if (ingest.Count > 0)
        {
            text.AppendLine("| ingest | senders | sends/s | p50 ms | p99 ms | max ms | acknowledged | missing | seq gaps | server CPU ms per send |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in ingest)
            {
                var v = r.Values;
                text.AppendLine($"| {r.Scenario[8..]} | {v["senders"]} | {v["sendsPerSecond"]:N0} | {v["p50Ms"]} | {v["p99Ms"]} | {v["maxMs"]} | {v["acknowledged"]:N0} | {v["missingOrMoved"]} | {v["seqGaps"]} | {v["serverCpuMsPerSend"]} |");
            }
        }
        var stalled = results.Where(r => r.Scenario == "stalled readers").ToList();
        if (stalled.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| readers | stalled | readers' p50 ms | p99 ms | max ms | readers lost | stalled let go | server RSS before → peak → after MB | kernel TCP before → peak MB |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in stalled)
            {
                var v = r.Values;
                text.AppendLine($"| {v["streams"]:N0} | {v["stalled"]:N0} | {v["p50Ms"]} | {v["p99Ms"]} | {v["maxMs"]} | {v["readersLost"]} | {v["stalledLetGo"]} of {v["stalled"]} within {v["letGoWithinSeconds"]} s | {v["serverRssBeforeMB"]} → {v["serverPeakRssMB"]} → {v["serverRssAfterMB"]} | {v["kernelTcpBeforeMB"]} → {v["kernelTcpPeakMB"]} |");
            }
        }
        var floors = results.Where(r => r.Scenario.StartsWith("floor", StringComparison.Ordinal)).ToList();
        if (floors.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| floor: GET /api/me, closed loop | clients | requests/s | p50 ms | p99 ms | server CPU ms per request | client CPU ms per request |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var v in floors.Select(r => r.Values))
            {
                text.AppendLine($"| token and account check, JSON answer | {v["clients"]} | {v["requestsPerSecond"]:N0} | {v["p50Ms"]} | {v["p99Ms"]} | {v["serverCpuMsPerRequest"]} | {v["clientCpuMsPerRequest"]} |");
            }
            if (floors.Select(r => r.Values).FirstOrDefault(v => v.ContainsKey("durableAppendMicros")) is { } one)
            {
                text.AppendLine($"\nThe least a durable append costs SQLite on the store's disk (one small row in a transaction of its own, write-ahead log, synchronous=FULL; the median of 2,000): {one["durableAppendMicros"]} µs. A closed-loop sender waits for at least that round trip and that append per send: at most {one["oneSenderCeilingPerSecond"]:N0} sends/s with durable commits.");
            }
        }
        var storms = results.Where(r => r.Scenario == "reconnect storm").ToList();
        if (storms.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| reconnect storm: streams | restart took s | half back s | 90% back s | all back s (after it answers) | stored | acknowledged, not stored | lost | twice | out of order |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var v in storms.Select(r => r.Values))
            {
                text.AppendLine($"| {v["streams"]:N0} | {v["restartSeconds"]} | {v.GetValueOrDefault("halfBackSeconds", "")} | {v.GetValueOrDefault("ninetyPercentBackSeconds", "")} | {v["allBackSeconds"]} | {v["stored"]} | {v["acknowledgedButNotStored"]} | {v["lost"]} | {v["duplicated"]} | {v["outOfOrder"]} |");
            }
        }
        return text.ToString();
    }

    public static string JsonLine(Result result) => System.Text.Json.JsonSerializer.Serialize(
        new Dictionary<string, object> { ["scenario"] = result.Scenario, ["server"] = result.Server }.Concat(result.Values).ToDictionary());

    /// <summary>A result as <see cref="JsonLine"/> wrote it: whole numbers as <c>int</c> or <c>long</c>, others as <c>double</c>.</summary>
    public static Result FromJsonLine(string line)
    {
        var values = new Dictionary<string, object>();
        string scenario = "", server = "";
        foreach (var property in System.Text.Json.JsonDocument.Parse(line).RootElement.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "scenario":
                    scenario = value.GetString()!;
                    break;
                case "server":
                    server = value.GetString()!;
                    break;
                default:
                    values[property.Name] = value.ValueKind != System.Text.Json.JsonValueKind.Number ? value.ToString()
                        : value.TryGetInt32(out var i) ? (object)i
                        : value.TryGetInt64(out var l) ? (object)l
                        : value.GetDouble();
                    break;
            }
        }
        return new Result(scenario, server, values);
    }

    private static string Ratio(object ours, object theirs) =>
        Convert.ToDouble(theirs) is > 0 and var t ? $"{Convert.ToDouble(ours) / t:0.00}×" : "n/a";
}
