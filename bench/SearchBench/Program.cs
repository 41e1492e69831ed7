// Search latency on a store of 100,000 messages (not run by CI). Builds a real SQLite file through the repository the
// app uses, then times typical queries as a person in 20 of the 40 chats.
//
//   dotnet run -c Release --project bench/SearchBench -- [messages=100000] [file=/tmp/htmxchat-search-bench.db]
using System.Diagnostics;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage.Sqlite;

var count = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var file = args.Length > 1 ? args[1] : "/tmp/htmxchat-search-bench.db";
// "reuse" times the queries again on the store built by an earlier run (building it takes minutes).
var reuse = args.Length > 2 && args[2] == "reuse" && File.Exists(file);
foreach (var stale in reuse ? [] : new[] { file, file + "-wal", file + "-shm" })
{
    File.Delete(stale);
}
var database = new SqliteDatabase($"Data Source={file}");
var users = new SqliteUserRepository(database);
var chats = new SqliteChatRepository(database);

var people = new List<ChatUser>();
for (var i = 0; i < (reuse ? 0 : 10); i++)
{
    var user = new ChatUser { UserName = $"bench{i}", NormalizedUserName = $"BENCH{i}", Email = $"bench{i}@example.com", NormalizedEmail = $"BENCH{i}@EXAMPLE.COM" };
    await users.CreateAsync(user);
    people.Add(user);
}
if (reuse)
{
    people.Add((await users.FindByNormalizedUserNameAsync("BENCH0"))!);
}
var chatIds = new List<string>();
for (var i = 0; i < (reuse ? 0 : 40); i++)
{
    // Person 0 is in the even chats only: half of the store is not theirs to find.
    var members = i % 2 == 0 ? new[] { people[0], people[1 + i % 9] } : [people[1 + i % 9], people[1 + (i + 1) % 9]];
    var (chat, _) = await chats.CreateAsync(new Chat
    {
        CreatorId = members[0].Id,
        Title = $"chat {i}",
        Participants = [.. members.Select(m => new ChatParticipant { UserId = m.Id, UserName = m.UserName })],
    });
    chatIds.Add(chat.Id);
}

string[] vocabulary = ["release", "deploy", "meeting", "lunch", "coffee", "tomorrow", "report", "budget", "design", "review", "bug", "fix",
    "customer", "invoice", "holiday", "train", "weather", "football", "café", "naïve", "notes", "plan", "draft", "server", "database", "quarter"];
var random = new Random(42);
var started = Stopwatch.StartNew();
var at = DateTimeOffset.UtcNow.AddDays(-30);
for (var i = 0; i < (reuse ? 0 : count); i++)
{
    var words = Enumerable.Range(0, 6 + random.Next(10)).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
    var text = string.Join(' ', words) + (i % 5000 == 0 ? " aardvark" : "");
    var chatId = chatIds[random.Next(chatIds.Count)];
    await chats.AppendMessageAsync(chatId, people[0].Id, "bench0", text, at.AddSeconds(i));
}
Console.WriteLine(reuse ? $"reusing {file}" : $"stored {count:N0} messages in {started.Elapsed.TotalSeconds:0.0} s; file {new FileInfo(file).Length / 1024 / 1024} MiB");

var queries = new[] { "release", "aardvark", "deplo", "\"release notes\"", "coffee -lunch", "cafe naive", "budget review tomorrow" };
foreach (var text in queries)
{
    var query = SearchQuery.Parse(text);
    var timings = new List<double>();
    var hits = 0;
    for (var run = 0; run < 200; run++)
    {
        var watch = Stopwatch.StartNew();
        var page = await chats.SearchAsync(people[0].Id, query, null, null, 20);
        timings.Add(watch.Elapsed.TotalMilliseconds);
        hits = page.Hits.Count;
    }
    timings.Sort();
    Console.WriteLine($"{text,-24} first page {hits,2} hits: p50 {timings[timings.Count / 2]:0.0} ms, p99 {timings[(int)(timings.Count * 0.99)]:0.0} ms");
}
