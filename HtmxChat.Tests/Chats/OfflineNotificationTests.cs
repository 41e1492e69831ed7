using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Chats;

/// <summary>
/// The seam for a push service (Web Push and the like): each new message is handed over for the participants who are
/// offline everywhere and whose level takes it, and for nobody else.
/// </summary>
public sealed class OfflineNotificationTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AppFactory _factory;
    private readonly WebApplicationFactory<Program> _app;
    private readonly RecordingNotifier _pushed = new();

    public OfflineNotificationTests()
    {
        _factory = new AppFactory(_folder.Path);
        _app = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IOfflineNotifier>(_pushed)));
    }

    public void Dispose()
    {
        _app.Dispose();
        _factory.Dispose();
        _folder.Dispose();
    }

    private async Task<(HttpClient Http, string Name)> PersonAsync(string prefix)
    {
        var http = _app.CreateClient();
        var name = BrowserClient.UniqueName(prefix);
        (await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password = "push password" })).EnsureSuccessStatusCode();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiClient.LogInAsync(http, name, "push password"));
        return (http, name);
    }

    [Fact]
    public async Task OnlyOfflineParticipantsWhoseLevelTakesTheMessageAreHandedToThePushService()
    {
        var (ada, _) = await PersonAsync("ada");
        var (_, bob) = await PersonAsync("bob");
        var (carol, carolName) = await PersonAsync("carol");
        var (dave, daveName) = await PersonAsync("dave");
        var (erin, erinName) = await PersonAsync("erin");
        var created = await (await ada.PostAsJsonAsync("/api/chats", new { participants = new[] { bob, carolName, daveName, erinName }, title = "Crew" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var chatId = created.GetProperty("id").GetString()!;
        (await dave.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "none" })).EnsureSuccessStatusCode();
        (await erin.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "mentions" })).EnsureSuccessStatusCode();
        // Carol has the chat open: online, so the page tells her itself.
        await using var carolsStream = await EventStreamReader.OpenAsync(carol, $"/api/chats/{chatId}/events");

        (await ada.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "hello all" })).EnsureSuccessStatusCode();
        (await ada.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = $"@{erinName} have a look" })).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_pushed.Handed.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await Task.Delay(200);
        Assert.Equal(
            [(bob, "hello all"), (bob, $"@{erinName} have a look"), (erinName, $"@{erinName} have a look")],
            _pushed.Handed.OrderBy(h => h.Message.Seq).ThenBy(h => h.Recipient, StringComparer.Ordinal).Select(h => (h.Recipient, h.Message.Content)));
        Assert.All(_pushed.Handed, h => Assert.Equal("Crew", h.Chat.Title));
    }

    private sealed class RecordingNotifier : IOfflineNotifier
    {
        public ConcurrentQueue<(string Recipient, Chat Chat, Message Message)> Handed { get; } = new();

        public Task NotifyAsync(ChatParticipant recipient, Chat chat, Message message, CancellationToken ct)
        {
            Handed.Enqueue((recipient.UserName, chat, message));
            return Task.CompletedTask;
        }
    }
}
