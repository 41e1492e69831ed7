using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace HtmxChat.Bench;

/// <summary>One measured run: what the table and the JSON lines show.</summary>
public sealed record Result(string Scenario, string Server, IReadOnlyDictionary<string, object> Values);

/// <summary>
/// What answers: HtmxChat, or one of bench/SignalRPeer's faces: its SignalR hub, its bare Kestrel event streams, those
/// behind ASP.NET Core's bearer-token check, or behind the same check made by the endpoint, keeping nothing of it.
/// <see cref="ServerKind.HtmxChatBrowser"/> is HtmxChat read by browsers' streams (signed in with the cookie, HTML
/// fragments) instead of the API's.
/// </summary>
public enum ServerKind { HtmxChat, SignalR, BareStreams, SignedInBareStreams, EndpointCheckedBareStreams, HtmxChatBrowser }

/// <summary>The servers under test, published once per benchmark run.</summary>
/// <param name="serverEnvironment">Set for HtmxChat's process only (--server-env): trying a setting without touching the client.</param>
public sealed class Subjects(string repository, IReadOnlyDictionary<string, string>? serverEnvironment = null)
{
    private string? _htmxChat;
    private string? _signalR;

    public string Repository => repository;

    public Task<ServerProcess> StartAsync(ServerKind kind) => kind switch
    {
        ServerKind.HtmxChat or ServerKind.HtmxChatBrowser => ServerProcess.StartAsync(_htmxChat ??= ServerProcess.Publish(repository, "HtmxChat.Web/HtmxChat.Web.csproj", "htmxchat"),
            new Dictionary<string, string>
            {
                // The send limit is per person, and the benchmark sends as one: out of the way.
                ["Chat__SendBurst"] = "1000000",
                ["Chat__SendsPerMinute"] = "100000000",
                ["RateLimits__LoginsPerMinutePerAddress"] = "100000",
            }.Concat(serverEnvironment ?? new Dictionary<string, string>()).ToDictionary()),
        _ => ServerProcess.StartAsync(_signalR ??= ServerProcess.Publish(repository, "bench/SignalRPeer/SignalRPeer.csproj", "signalr"),
            new Dictionary<string, string>
            {
                ["Streams__Auth"] = kind switch { ServerKind.SignedInBareStreams => "framework", ServerKind.EndpointCheckedBareStreams => "endpoint", _ => "none" },
            }),
    };

    public static string Name(ServerKind kind) => kind switch
    {
        ServerKind.HtmxChat => "HtmxChat",
        ServerKind.HtmxChatBrowser => "HtmxChat, browser streams",
        ServerKind.SignalR => "SignalR",
        ServerKind.BareStreams => "bare Kestrel SSE",
        ServerKind.SignedInBareStreams => "bare Kestrel SSE, JWT",
        _ => "bare Kestrel SSE, JWT in endpoint",
    };
}

/// <summary>A person of the benchmark on HtmxChat's API.</summary>
public sealed class ApiUser(HttpClient http, string token)
{
    public HttpClient Http => http;
    public string Token => token;

    public static async Task<ApiUser> RegisterAsync(Uri server, string name, int connections = 4)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(60),
        };
        (await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "bench password" })).EnsureSuccessStatusCode();
        var login = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", name), new("password", "bench password")]));
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ApiUser(http, token);
    }

    /// <summary>A chat with <paramref name="other"/>: the direct one, or with a title a new group chat each time.</summary>
    public async Task<string> StartChatAsync(string other, string? title = null) =>
        (await (await http.PostAsJsonAsync("/api/chats", new { participants = new[] { other }, title })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
}

public static class Fanout
{
    /// <summary>
    /// <paramref name="streams"/> connections following one chat, fed <paramref name="messages"/> messages at
    /// <paramref name="rate"/> per second whatever the server does (open loop); every delivery checked and timed.
    /// </summary>
    public static async Task<Result> RunAsync(Subjects subjects, ServerKind kind, int streams, int messages, double rate)
    {
        await using var server = await subjects.StartAsync(kind);
        var run = Guid.NewGuid().ToString("N")[..8];
        ApiUser? sender = null;
        string path, request;
        if (kind is ServerKind.HtmxChat or ServerKind.HtmxChatBrowser)
        {
            sender = await ApiUser.RegisterAsync(server.BaseAddress, $"send{run}");
            var reader = await ApiUser.RegisterAsync(server.BaseAddress, $"read{run}");
            var chatId = await sender.StartChatAsync($"read{run}");
            path = $"/api/chats/{chatId}/messages";
            request = kind == ServerKind.HtmxChat
                ? EventStreamConnection.Request($"/api/chats/{chatId}/events", reader.Token)
                : await BrowserSignIn.StreamRequestAsync(server.BaseAddress, $"read{run}", chatId);
        }
        else
        {
            path = "/api/messages";
            request = kind == ServerKind.SignalR ? SignalRConnection.Request("/hub") : EventStreamConnection.Request("/events", token: null);
        }
        using var sending = sender?.Http ?? new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4 }) { BaseAddress = server.BaseAddress };
        if (kind is ServerKind.SignedInBareStreams or ServerKind.EndpointCheckedBareStreams)
        {
            var token = await (await sending.PostAsync("/token", null)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();
            request = EventStreamConnection.Request("/events", token);
        }

        await Task.Delay(1000);
        var rssBefore = server.Rss;
        var deliveries = new Deliveries(streams, messages);
        var connections = new RawConnection[streams];
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        using var stop = new CancellationTokenSource();
        var opening = Stopwatch.StartNew();
        var handshake = SignalRConnection.Handshake();
        await Load.OpenAllAsync(streams, endpoint, request, kind == ServerKind.SignalR ? "HTTP/1.1 101" : "HTTP/1.1 200", stop.Token,
            i => connections[i] = kind == ServerKind.SignalR ? new SignalRConnection(i, deliveries) : new EventStreamConnection(i, deliveries),
            async (index, connection) =>
            {
                if (connection is SignalRConnection)
                {
                    await connection.SendAsync(handshake, stop.Token);
                }
                _ = Task.Run(() => connection.ReadAsync(stop.Token));
            });
        if (kind == ServerKind.SignalR)
        {
            while (connections.Any(c => !((SignalRConnection)c).Ready))
            {
                await Task.Delay(50);
            }
        }
        var opened = opening.Elapsed;
        // Idle: every stream open, nothing sent. What each costs the server.
        await Task.Delay(3000);
        var rssIdle = server.Rss;

        // Warm-up: a few messages nobody times (their text does not start with "m"), so the JIT has compiled the path.
        for (var w = 0; w < 20; w++)
        {
            (await sending.PostAsJsonAsync(path, new { content = $"warm-up {w}" })).EnsureSuccessStatusCode();
            await Task.Delay(50);
        }
        await Task.Delay(1000);

        var serverCpu = server.Cpu;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var sends = new List<Task>(messages);
        for (var m = 1; m <= messages; m++)
        {
            await Load.UntilDueAsync(started, m, rate);
            var content = $"m{m}";
            Volatile.Write(ref deliveries.SentAt[m], Stopwatch.GetTimestamp());
            sends.Add(Task.Run(async () => (await sending.PostAsJsonAsync(path, new { content })).EnsureSuccessStatusCode()));
        }
        await Task.WhenAll(sends);
        var lastSent = Stopwatch.GetTimestamp();
        while (Enumerable.Range(1, messages).Any(m => deliveries.ReceivedCount(m) < streams) && Stopwatch.GetElapsedTime(lastSent) < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var serverCpuUsed = server.Cpu - serverCpu;
        var clientCpuUsed = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        stop.Cancel();
        foreach (var connection in connections)
        {
            connection?.Close();
        }

        var latencies = Load.SortedMs(deliveries.Latencies());
        double Ms(double q) => Load.Quantile(latencies, q);
        return new Result("fanout", Subjects.Name(kind), new Dictionary<string, object>
        {
            ["streams"] = streams,
            ["messages"] = messages,
            ["ratePerSecond"] = rate,
            ["p50Ms"] = Math.Round(Ms(0.50), 1),
            ["p90Ms"] = Math.Round(Ms(0.90), 1),
            ["p99Ms"] = Math.Round(Ms(0.99), 1),
            ["maxMs"] = Math.Round(Ms(1), 1),
            ["delivered"] = deliveries.Delivered,
            ["lost"] = (long)streams * messages - deliveries.Delivered,
            ["duplicated"] = deliveries.Duplicates,
            ["outOfOrder"] = deliveries.OutOfOrder,
            ["deliveredPerSecond"] = Math.Round(deliveries.Delivered / elapsed.TotalSeconds),
            ["openSeconds"] = Math.Round(opened.TotalSeconds, 1),
            ["serverKBPerIdleStream"] = Math.Round((rssIdle - rssBefore) / 1024.0 / streams, 1),
            ["serverCpuSeconds"] = Math.Round(serverCpuUsed.TotalSeconds, 2),
            ["clientCpuSeconds"] = Math.Round(clientCpuUsed.TotalSeconds, 2),
        });
    }
}

/// <summary>
/// What each kind of HtmxChat connection costs the server while nothing happens: a chat's API event stream (the one
/// fan-out measures), a browser's stream of the same chat (signed in with the cookie, HTML fragments), and the
/// WebSocket. Each on a fresh server: <paramref name="streams"/> opened, three seconds idle, the server's RSS grown.
/// </summary>
public static class Idle
{
    public static readonly string[] Transports = ["API stream", "browser stream", "WebSocket"];

    public static async Task<Result> RunAsync(Subjects subjects, string transport, int streams)
    {
        await using var server = await subjects.StartAsync(ServerKind.HtmxChat);
        var run = Guid.NewGuid().ToString("N")[..8];
        var sender = await ApiUser.RegisterAsync(server.BaseAddress, $"send{run}");
        var reader = await ApiUser.RegisterAsync(server.BaseAddress, $"read{run}");
        var chatId = await sender.StartChatAsync($"read{run}");
        var (request, expected) = transport switch
        {
            "API stream" => (EventStreamConnection.Request($"/api/chats/{chatId}/events", reader.Token), "HTTP/1.1 200"),
            "browser stream" => (await BrowserSignIn.StreamRequestAsync(server.BaseAddress, $"read{run}", chatId), "HTTP/1.1 200"),
            _ => (SignalRConnection.Request($"/api/ws/chat?access_token={reader.Token}"), "HTTP/1.1 101"),
        };

        await Task.Delay(1000);
        var rssBefore = server.Rss;
        var deliveries = new Deliveries(streams, 1);
        var connections = new RawConnection[streams];
        using var stop = new CancellationTokenSource();
        await Load.OpenAllAsync(streams, new IPEndPoint(IPAddress.Loopback, server.Port), request, expected, stop.Token,
            i => connections[i] = transport == "WebSocket" ? new SignalRConnection(i, deliveries) : new EventStreamConnection(i, deliveries),
            (index, connection) =>
            {
                _ = Task.Run(() => connection.ReadAsync(stop.Token));
                return Task.CompletedTask;
            });
        await Task.Delay(3000);
        var rssIdle = server.Rss;
        stop.Cancel();
        foreach (var connection in connections)
        {
            connection?.Close();
        }
        return new Result("idle", "HtmxChat", new Dictionary<string, object>
        {
            ["transport"] = transport,
            ["streams"] = streams,
            ["serverKBPerIdleStream"] = Math.Round((rssIdle - rssBefore) / 1024.0 / streams, 1),
        });
    }
}

/// <summary>A browser's sign-in: the login form, its antiforgery token and cookie, and the sign-in cookie it answers with.</summary>
public static class BrowserSignIn
{
    /// <summary>A browser's request for the stream of the chat it shows, signed in as <paramref name="name"/>.</summary>
    public static async Task<string> StreamRequestAsync(Uri server, string name, string chatId) =>
        EventStreamConnection.Request($"/chats/events?open={chatId}", token: null, cookie: await CookieAsync(server, name));

    private static async Task<string> CookieAsync(Uri server, string name)
    {
        // Cookies by hand: the sign-in cookie is Secure, and this is plain HTTP on loopback.
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server };
        using var page = await http.GetAsync("/account/login");
        var html = await page.Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var form = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent([new("Username", name), new("Password", "bench password"), new("__RequestVerificationToken", token)]),
        };
        form.Headers.Add("Cookie", string.Join("; ", Cookies(page)));
        using var signedIn = await http.SendAsync(form);
        return Cookies(signedIn).SingleOrDefault(c => c.StartsWith("htmxchat.auth=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"signing in as {name} answered {signedIn.StatusCode} without a sign-in cookie");
    }

    private static IEnumerable<string> Cookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]) : [];
}

public static class Ingest
{
    /// <summary>
    /// <paramref name="senders"/> closed-loop senders (each sends, waits for the 201, sends again) for
    /// <paramref name="seconds"/>, each in a chat of its own or all in one; then the whole store read back: every
    /// acknowledged message there under its seq, and the seqs without a gap.
    /// </summary>
    public static async Task<Result> RunAsync(Subjects subjects, int senders, bool shared, double seconds)
    {
        await using var server = await subjects.StartAsync(ServerKind.HtmxChat);
        var run = Guid.NewGuid().ToString("N")[..8];
        var sender = await ApiUser.RegisterAsync(server.BaseAddress, $"send{run}", connections: senders);
        await ApiUser.RegisterAsync(server.BaseAddress, $"read{run}");
        var chats = shared
            ? Enumerable.Repeat(await sender.StartChatAsync($"read{run}"), senders).ToArray()
            : await Task.WhenAll(Enumerable.Range(0, senders).Select(i => sender.StartChatAsync($"read{run}", title: $"bench {i}")));

        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, (string ChatId, long Seq)>();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var failures = 0;
        var measured = 0;
        var posters = await Load.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), sender.Token, senders);
        var sent = new int[senders];
        // Warm-up first (stored and checked like the rest, not timed): the JIT compiles the path.
        var (serverCpuUsed, clientCpuUsed) = await Load.WarmThenMeasureAsync(server, seconds, (forSeconds, measure) =>
            Load.ClosedLoopAsync(posters, forSeconds, async (s, poster) =>
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await poster.PostAsync($"/api/chats/{chats[s]}/messages", Encoding.UTF8.GetBytes($"{{\"content\":\"s{s} n{sent[s]++}\"}}"));
                if (measure)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                if (status != (int)HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }
                var (id, seq) = IdAndSeq(body.Span);
                acknowledged[id] = (chats[s], seq);
                if (measure)
                {
                    Interlocked.Increment(ref measured);
                }
            }));
        foreach (var poster in posters)
        {
            poster.Dispose();
        }

        // Read everything back.
        var missing = 0;
        var gaps = 0;
        foreach (var chatId in chats.Distinct())
        {
            var stored = new Dictionary<string, long>();
            long after = 0;
            while (true)
            {
                var page = await sender.Http.GetFromJsonAsync<JsonElement>($"/api/chats/{chatId}/messages?after={after}&limit=100");
                foreach (var m in page.GetProperty("messages").EnumerateArray())
                {
                    var seq = m.GetProperty("seq").GetInt64();
                    gaps += seq == after + 1 ? 0 : 1;
                    after = seq;
                    stored[m.GetProperty("id").GetString()!] = seq;
                }
                if (!page.GetProperty("hasMore").GetBoolean())
                {
                    break;
                }
            }
            missing += acknowledged.Count(a => a.Value.ChatId == chatId && (!stored.TryGetValue(a.Key, out var seq) || seq != a.Value.Seq));
        }

        var sorted = latencies.Order().ToArray();
        double Ms(double q) => Load.Quantile(sorted, q);
        return new Result(shared ? "ingest, one shared chat" : "ingest, a chat each", "HtmxChat", new Dictionary<string, object>
        {
            ["senders"] = senders,
            ["seconds"] = seconds,
            ["sendsPerSecond"] = Math.Round(measured / seconds),
            ["p50Ms"] = Math.Round(Ms(0.50), 1),
            ["p99Ms"] = Math.Round(Ms(0.99), 1),
            ["maxMs"] = Math.Round(Ms(1), 1),
            ["acknowledged"] = acknowledged.Count,
            ["refused"] = failures,
            ["missingOrMoved"] = missing,
            ["seqGaps"] = gaps,
            ["serverCpuMsPerSend"] = Math.Round(serverCpuUsed.TotalMilliseconds / Math.Max(1, measured), 3),
            ["clientCpuSeconds"] = Math.Round(clientCpuUsed.TotalSeconds, 2),
        });
    }

    private static (string Id, long Seq) IdAndSeq(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string? id = null;
        long seq = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("id"u8) && reader.Read())
                {
                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("seq"u8) && reader.Read())
                {
                    seq = reader.GetInt64();
                }
            }
        }
        return (id ?? throw new InvalidDataException("A 201 without the message's id."), seq);
    }
}

/// <summary>
/// What a request costs before it does anything: the cheapest authenticated API call (GET /api/me: the token check,
/// the account check, one read of the account by its key, a small JSON answer) in the same closed loop as ingest. A
/// send does all of that and more (a chat read, a transaction), so this is a ceiling for sends/s on the machine.
/// </summary>
public static class Floor
{
    /// <summary>
    /// The least a durable send can cost the store on its disk: one small row appended in a transaction of its own by
    /// SQLite (write-ahead log, <c>synchronous=FULL</c>, as HtmxChat's default), with none of HtmxChat's indexes, search
    /// index or chat row. The median of 2,000, after 200 not timed.
    /// </summary>
    public static TimeSpan DurableAppend(string folder)
    {
        var path = Path.Combine(folder, "append-probe.db");
        var took = new double[2000];
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var setUp = connection.CreateCommand();
            setUp.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE appended (id INTEGER PRIMARY KEY, chat_id TEXT, content TEXT)";
            setUp.ExecuteNonQuery();
            using var begin = connection.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            using var append = connection.CreateCommand();
            append.CommandText = "INSERT INTO appended (chat_id, content) VALUES ('6b0a82ba762f1e3ae559eb65', $content)";
            var content = append.Parameters.Add("$content", Microsoft.Data.Sqlite.SqliteType.Text);
            using var commit = connection.CreateCommand();
            commit.CommandText = "COMMIT";
            for (var i = -200; i < took.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                begin.ExecuteNonQuery();
                content.Value = $"message {i} of the durable append probe";
                append.ExecuteNonQuery();
                commit.ExecuteNonQuery();
                if (i >= 0)
                {
                    took[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                }
            }
        }
        Array.Sort(took);
        return TimeSpan.FromSeconds(took[took.Length / 2]);
    }

    public static async Task<Result> RunAsync(Subjects subjects, int clients, double seconds)
    {
        await using var server = await subjects.StartAsync(ServerKind.HtmxChat);
        var user = await ApiUser.RegisterAsync(server.BaseAddress, $"floor{Guid.NewGuid().ToString("N")[..8]}");
        var connections = await Load.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), user.Token, clients);
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var done = 0;
        var failed = 0;
        var (serverCpuUsed, clientCpuUsed) = await Load.WarmThenMeasureAsync(server, seconds, (forSeconds, measure) =>
            Load.ClosedLoopAsync(connections, forSeconds, async (_, client) =>
            {
                var started = Stopwatch.GetTimestamp();
                var (status, _) = await client.GetAsync("/api/me");
                if (measure)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref status == 200 ? ref done : ref failed);
                }
            }));
        foreach (var client in connections)
        {
            client.Dispose();
        }
        var sorted = latencies.Order().ToArray();
        var values = new Dictionary<string, object>
        {
            ["clients"] = clients,
            ["seconds"] = seconds,
            ["requestsPerSecond"] = Math.Round(done / seconds),
            ["p50Ms"] = Math.Round(Load.Quantile(sorted, 0.50), 2),
            ["p99Ms"] = Math.Round(Load.Quantile(sorted, 0.99), 2),
            ["refused"] = failed,
            ["serverCpuMsPerRequest"] = Math.Round(serverCpuUsed.TotalMilliseconds / Math.Max(1, done), 3),
            ["clientCpuMsPerRequest"] = Math.Round(clientCpuUsed.TotalMilliseconds / Math.Max(1, done), 3),
        };
        if (clients == 1)
        {
            // A closed-loop sender waits, for every send, at least for this round trip and for a durable append.
            var append = DurableAppend(server.DataFolder);
            values["durableAppendMicros"] = Math.Round(append.TotalMicroseconds);
            values["oneSenderCeilingPerSecond"] = Math.Round(1 / (Load.Quantile(sorted, 0.50) / 1000 + append.TotalSeconds));
        }
        return new Result("floor: GET /api/me", "HtmxChat", values);
    }
}

public static class Stalled
{
    /// <summary>
    /// <paramref name="streams"/> connections that read as they should and <paramref name="stalled"/> that never read
    /// after the answer's head (with tiny socket buffers), fed <paramref name="messages"/> bulky messages at
    /// <paramref name="rate"/> per second: how the readers fare beside them, what the server and the kernel hold, and
    /// whether the server lets the stalled ones go.
    /// </summary>
    public static async Task<Result> RunAsync(Subjects subjects, int streams, int stalled, int messages, double rate, TimeSpan letGoWithin)
    {
        await using var server = await subjects.StartAsync(ServerKind.HtmxChat);
        var run = Guid.NewGuid().ToString("N")[..8];
        var sender = await ApiUser.RegisterAsync(server.BaseAddress, $"send{run}");
        var reader = await ApiUser.RegisterAsync(server.BaseAddress, $"read{run}");
        var chatId = await sender.StartChatAsync($"read{run}");
        var request = EventStreamConnection.Request($"/api/chats/{chatId}/events", reader.Token);
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var deliveries = new Deliveries(streams + stalled, messages);
        using var stop = new CancellationTokenSource();
        var connections = new EventStreamConnection[streams + stalled];
        await Load.OpenAllAsync(streams + stalled, endpoint, request, "HTTP/1.1 200", stop.Token,
            i => connections[i] = new EventStreamConnection(i, deliveries) { ReceiveBufferSize = i < streams ? null : 4096 },
            (i, connection) =>
            {
                // Only the readers read; the rest never do.
                if (i < streams)
                {
                    _ = Task.Run(() => connection.ReadAsync(stop.Token));
                }
                return Task.CompletedTask;
            });
        await Task.Delay(2000);
        var rssBefore = server.Rss;
        var tcpBefore = ProcessStats.KernelTcpMemory();
        var peakRss = rssBefore;
        var peakTcp = tcpBefore;
        var padding = new string('x', 3000);
        var started = Stopwatch.GetTimestamp();
        var sends = new List<Task>(messages);
        for (var m = 1; m <= messages; m++)
        {
            await Load.UntilDueAsync(started, m, rate);
            var content = $"m{m} {padding}";
            Volatile.Write(ref deliveries.SentAt[m], Stopwatch.GetTimestamp());
            sends.Add(Task.Run(async () => (await sender.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content })).EnsureSuccessStatusCode()));
            (peakRss, peakTcp) = (Math.Max(peakRss, server.Rss), Math.Max(peakTcp, ProcessStats.KernelTcpMemory()));
        }
        await Task.WhenAll(sends);
        var lastSent = Stopwatch.GetTimestamp();
        while (Enumerable.Range(1, messages).Any(m => deliveries.ReceivedCount(m) < streams) && Stopwatch.GetElapsedTime(lastSent) < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }
        // The stalled ones must be let go: give the server its stall limit, then look at each.
        var letGo = 0;
        while (Stopwatch.GetElapsedTime(lastSent) < letGoWithin)
        {
            (peakRss, peakTcp) = (Math.Max(peakRss, server.Rss), Math.Max(peakTcp, ProcessStats.KernelTcpMemory()));
            await Task.Delay(500);
        }
        letGo = connections[streams..].Count(c => c.ClosedByServer());
        var rssAfter = server.Rss;
        stop.Cancel();
        foreach (var connection in connections)
        {
            connection.Close();
        }

        var latencies = Load.SortedMs(Enumerable.Range(0, streams).SelectMany(deliveries.LatenciesOf));
        double Ms(double q) => Load.Quantile(latencies, q);
        var readersDelivered = Enumerable.Range(0, streams).Sum(i => (long)deliveries.LatenciesOf(i).Length);
        return new Result("stalled readers", "HtmxChat", new Dictionary<string, object>
        {
            ["streams"] = streams,
            ["stalled"] = stalled,
            ["messages"] = messages,
            ["p50Ms"] = Math.Round(Ms(0.50), 1),
            ["p99Ms"] = Math.Round(Ms(0.99), 1),
            ["maxMs"] = Math.Round(Ms(1), 1),
            ["readersLost"] = (long)streams * messages - readersDelivered,
            ["stalledLetGo"] = letGo,
            ["letGoWithinSeconds"] = letGoWithin.TotalSeconds,
            ["serverPeakRssMB"] = Math.Round(peakRss / 1048576.0, 1),
            ["serverRssAfterMB"] = Math.Round(rssAfter / 1048576.0, 1),
            ["serverRssBeforeMB"] = Math.Round(rssBefore / 1048576.0, 1),
            ["kernelTcpPeakMB"] = Math.Round(peakTcp / 1048576.0, 1),
            ["kernelTcpBeforeMB"] = Math.Round(tcpBefore / 1048576.0, 1),
        });
    }
}

public static class ReconnectStorm
{
    /// <summary>
    /// <paramref name="streams"/> connections following one chat while messages come at <paramref name="rate"/> per
    /// second; a third of the way in the server is killed and started again, and every connection comes back as
    /// EventSource would (after the server's <c>retry:</c>, with <c>Last-Event-ID</c>) while the messages keep coming.
    /// How long until all are back, and whether each then has every stored message exactly once.
    /// </summary>
    public static async Task<Result> RunAsync(Subjects subjects, int streams, int messages, double rate)
    {
        await using var server = await subjects.StartAsync(ServerKind.HtmxChat);
        var run = Guid.NewGuid().ToString("N")[..8];
        var sender = await ApiUser.RegisterAsync(server.BaseAddress, $"send{run}");
        var reader = await ApiUser.RegisterAsync(server.BaseAddress, $"read{run}");
        var chatId = await sender.StartChatAsync($"read{run}");
        var path = $"/api/chats/{chatId}/events";
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var deliveries = new Deliveries(streams, messages);
        var connections = new EventStreamConnection[streams];
        var lastOpened = new long[streams];
        using var stop = new CancellationTokenSource();
        var opened = 0;

        async Task FollowAsync(int i)
        {
            var connection = connections[i] = new EventStreamConnection(i, deliveries);
            var first = true;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var request = EventStreamConnection.Request(path, reader.Token, first ? null : connection.LastEventId);
                    if (await connection.OpenAsync(endpoint, request, "HTTP/1.1 200", stop.Token))
                    {
                        Volatile.Write(ref lastOpened[i], Stopwatch.GetTimestamp());
                        if (first)
                        {
                            Interlocked.Increment(ref opened);
                            first = false;
                        }
                        await connection.ReadAsync(stop.Token);
                    }
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                // As EventSource: wait the server's retry hint (2 s), plus a little jitter.
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(2000 + Random.Shared.Next(500)), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var followers = Enumerable.Range(0, streams).Select(i => Task.Run(() => FollowAsync(i))).ToArray();
        while (Volatile.Read(ref opened) < streams)
        {
            await Task.Delay(100);
        }
        await Task.Delay(2000);

        var acknowledged = new bool[messages + 1];
        var started = Stopwatch.GetTimestamp();
        var sends = new List<Task>();
        TimeSpan restartTook = default;
        long answeringAgain = 0;
        Task? restarting = null;
        for (var m = 1; m <= messages; m++)
        {
            await Load.UntilDueAsync(started, m, rate);
            if (m == messages / 3)
            {
                restarting = Task.Run(async () =>
                {
                    restartTook = await server.RestartAsync();
                    answeringAgain = Stopwatch.GetTimestamp();
                });
            }
            var number = m;
            Volatile.Write(ref deliveries.SentAt[m], Stopwatch.GetTimestamp());
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await sender.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = $"m{number}" });
                    acknowledged[number] = response.StatusCode == HttpStatusCode.Created;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Down, or cut mid-answer: it may or may not have been stored; the store says at the end.
                }
            }));
        }
        await Task.WhenAll(sends);
        await restarting!;

        // What the store holds is what every stream must have had, once.
        var stored = new List<int>();
        long after = 0;
        while (true)
        {
            var page = await sender.Http.GetFromJsonAsync<JsonElement>($"/api/chats/{chatId}/messages?after={after}&limit=100");
            foreach (var message in page.GetProperty("messages").EnumerateArray())
            {
                after = message.GetProperty("seq").GetInt64();
                stored.Add(int.Parse(message.GetProperty("content").GetString()![1..]));
            }
            if (!page.GetProperty("hasMore").GetBoolean())
            {
                break;
            }
        }
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (stored.Any(m => deliveries.ReceivedCount(m) < streams) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(50);
        }
        var backAfter = lastOpened.Select(at => Stopwatch.GetElapsedTime(answeringAgain, at).TotalSeconds).Order().ToArray();
        var allBack = TimeSpan.FromSeconds(backAfter[^1]);
        stop.Cancel();
        foreach (var connection in connections)
        {
            connection.Close();
        }
        await Task.WhenAll(followers);

        var delivered = stored.Sum(m => (long)deliveries.ReceivedCount(m));
        return new Result("reconnect storm", "HtmxChat", new Dictionary<string, object>
        {
            ["streams"] = streams,
            ["messages"] = messages,
            ["restartSeconds"] = Math.Round(restartTook.TotalSeconds, 1),
            ["halfBackSeconds"] = Math.Round(Load.Quantile(backAfter, 0.5), 1),
            ["ninetyPercentBackSeconds"] = Math.Round(Load.Quantile(backAfter, 0.9), 1),
            ["allBackSeconds"] = Math.Round(allBack.TotalSeconds, 1),
            ["stored"] = stored.Count,
            ["acknowledgedButNotStored"] = Enumerable.Range(1, messages).Count(m => acknowledged[m] && !stored.Contains(m)),
            ["lost"] = (long)stored.Count * streams - delivered,
            ["duplicated"] = deliveries.Duplicates,
            ["outOfOrder"] = deliveries.OutOfOrder,
        });
    }
}

/// <summary>What every scenario does the same way: opening connections, sending on time, reading percentiles.</summary>
public static class Load
{
    /// <summary>Keep-alive connections for closed-loop clients, all open before anything is timed.</summary>
    public static async Task<RawClient[]> ConnectAsync(EndPoint server, string token, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var client = new RawClient(server, token);
            await client.ConnectAsync();
            return client;
        }));

    /// <summary>Each client in a loop of its own, one request after the other, for <paramref name="seconds"/>.</summary>
    public static Task ClosedLoopAsync(RawClient[] clients, double seconds, Func<int, RawClient, Task> request)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        return Task.WhenAll(clients.Select((client, i) => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await request(i, client);
            }
        })));
    }

    /// <summary>
    /// Three seconds not measured (the JIT compiles the path), then <paramref name="seconds"/> measured; returns the
    /// CPU the server and this client used in the measured part.
    /// </summary>
    public static async Task<(TimeSpan Server, TimeSpan Client)> WarmThenMeasureAsync(ServerProcess server, double seconds, Func<double, bool, Task> run)
    {
        await run(3, false);
        var serverCpu = server.Cpu;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        await run(seconds, true);
        return (server.Cpu - serverCpu, Process.GetCurrentProcess().TotalProcessorTime - clientCpu);
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections, 256 at a time, each made by <paramref name="make"/> and handed to
    /// <paramref name="opened"/> once the server has answered as expected; a refused one stops the run.
    /// </summary>
    public static async Task OpenAllAsync(int count, EndPoint server, string request, string expectedStatus, CancellationToken ct,
        Func<int, RawConnection> make, Func<int, RawConnection, Task> opened)
    {
        using var gate = new SemaphoreSlim(256);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var connection = make(i);
                if (!await connection.OpenAsync(server, request, expectedStatus, ct))
                {
                    throw new InvalidOperationException($"connection {i} was refused");
                }
                await opened(i, connection);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Waits until message <paramref name="number"/> (1-based) is due at <paramref name="rate"/> per second from <paramref name="started"/>: open loop.</summary>
    public static async Task UntilDueAsync(long started, int number, double rate)
    {
        var due = TimeSpan.FromSeconds((number - 1) / rate) - Stopwatch.GetElapsedTime(started);
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due);
        }
    }

    /// <summary>Latencies in microseconds as milliseconds, in order.</summary>
    public static double[] SortedMs(IEnumerable<int> micros) => [.. micros.Select(l => l / 1000.0).Order()];

    /// <summary>The value at <paramref name="q"/> (0 to 1, 1 the largest) of sorted values; NaN for none.</summary>
    public static double Quantile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
