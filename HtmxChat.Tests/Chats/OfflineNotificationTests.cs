using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Chats;
using HtmxChat.Web.Domain;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Chats;

/// <summary>
/// The seam for a push service (Web Push and the like): each new message is handed over for the participants who are
/// offline everywhere and whose level takes it, and for nobody else.
/// </summary>
public sealed class OfflineNotificationTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly RecordingNotifier _pushed = new();
    private readonly AppFactory _app;

    public OfflineNotificationTests() => _app = new AppFactory(_folder.Path, services: s => s.AddSingleton<IOfflineNotifier>(_pushed));

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task OnlyOfflineParticipantsWhoseLevelTakesTheMessageAreHandedToThePushService()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bobClient = await ApiClient.RegisterAsync(_app);
        using var carol = await ApiClient.RegisterAsync(_app);
        using var dave = await ApiClient.RegisterAsync(_app);
        using var erin = await ApiClient.RegisterAsync(_app);
        var (bob, carolName, daveName, erinName) = (bobClient.UserName, carol.UserName, dave.UserName, erin.UserName);
        var created = await (await ada.Http.PostAsJsonAsync("/api/chats", new { participants = new[] { bob, carolName, daveName, erinName }, title = "Crew" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var chatId = created.GetProperty("id").GetString()!;
        (await dave.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "none" })).EnsureSuccessStatusCode();
        (await erin.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "mentions" })).EnsureSuccessStatusCode();
        // Carol has the chat open: online, so the page tells her itself.
        await using var carolsStream = await EventStreamReader.OpenAsync(carol.Http, $"/api/chats/{chatId}/events");

        (await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "hello all" })).EnsureSuccessStatusCode();
        (await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = $"@{erinName} have a look" })).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_pushed.Handed.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await Task.Delay(200);
        (string, string)[] expected = [(bob, "hello all"), (bob, $"@{erinName} have a look"), (erinName, $"@{erinName} have a look")];
        Assert.Equal(expected.Order(), _pushed.Handed.Select(h => (h.Recipient, h.Message.Content)).Order());
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
