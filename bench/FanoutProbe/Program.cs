// A quick fan-out probe (not a benchmark, not run by CI): N API event streams on one chat, then M messages, each
// timed from the send to its answer and to its arrival on every stream. Talks HTTP only, so it runs against any
// version of the server.
//
//   dotnet run -c Release --project bench/FanoutProbe -- http://127.0.0.1:5090 1000 20 [server-pid] [send-url]
//
// With a send-url (another instance), messages are sent there and read on the first: delivery across instances.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

var baseUrl = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:5090");
var streams = args.Length > 1 ? int.Parse(args[1]) : 1000;
var messages = args.Length > 2 ? int.Parse(args[2]) : 20;
int? serverPid = args.Length > 3 && args[3] != "-" ? int.Parse(args[3]) : null;
var sendUrl = args.Length > 4 ? new Uri(args[4]) : baseUrl;

var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
using var http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
var run = Guid.NewGuid().ToString("N")[..8];

async Task<string> UserAsync(string name)
{
    (await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "probe password" })).EnsureSuccessStatusCode();
    var login = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", name), new("password", "probe password")]));
    return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
}

var sender = await UserAsync($"send{run}");
var reader = await UserAsync($"read{run}");
using var create = new HttpRequestMessage(HttpMethod.Post, "/api/chats") { Content = JsonContent.Create(new { participants = new[] { $"read{run}" } }) };
create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sender);
var chatId = (await (await http.SendAsync(create)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

var arrivals = new long[messages + 1];
var arrivedAt = new long[messages + 1];
var opened = 0;
var readers = new List<Task>();
for (var i = 0; i < streams; i++)
{
    readers.Add(Task.Run(async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/chats/{chatId}/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", reader);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
        Interlocked.Increment(ref opened);
        var seen = 0;
        while (seen < messages && await body.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                seen++;
                if (Interlocked.Increment(ref arrivals[seen]) == streams)
                {
                    arrivedAt[seen] = Stopwatch.GetTimestamp();
                }
            }
        }
    }));
}
while (Volatile.Read(ref opened) < streams)
{
    await Task.Delay(100);
}
await Task.Delay(1000);

var sendTook = new List<double>();
var deliveredTook = new List<double>();
for (var m = 1; m <= messages; m++)
{
    using var send = new HttpRequestMessage(HttpMethod.Post, new Uri(sendUrl, $"/api/chats/{chatId}/messages")) { Content = JsonContent.Create(new { content = $"probe {m}" }) };
    send.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sender);
    var started = Stopwatch.GetTimestamp();
    (await http.SendAsync(send)).EnsureSuccessStatusCode();
    sendTook.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    while (Volatile.Read(ref arrivals[m]) < streams)
    {
        await Task.Delay(1);
    }
    deliveredTook.Add(Stopwatch.GetElapsedTime(started, arrivedAt[m]).TotalMilliseconds);
    await Task.Delay(200);
}
await Task.WhenAll(readers);

static double P(List<double> values, double q) => values.Order().ElementAt((int)Math.Min(values.Count - 1, Math.Floor(q * values.Count)));
var rss = serverPid is { } pid ? File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS", StringComparison.Ordinal)) : "";
Console.WriteLine($"{streams} streams, {messages} messages: send answered p50 {P(sendTook, 0.5):0} ms (max {sendTook.Max():0}); " +
    $"all streams had it p50 {P(deliveredTook, 0.5):0} ms (max {deliveredTook.Max():0}); server {rss}");
