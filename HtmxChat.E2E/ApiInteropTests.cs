using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>A JSON API client and a person in the browser, in the same chat.</summary>
public sealed partial class ApiInteropTests(BrowserFixture browser) : E2ETest(browser)
{
    [GeneratedRegex("/chats/[0-9a-f]{24}$")]
    private static partial Regex ChatUrl();

    [Fact]
    public async Task ApiMessagesAppearLiveInTheBrowserAndBrowserMessagesReachTheApiStream()
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        var botName = UniqueName("bot");
        (await http.PostAsJsonAsync("/api/register", new { username = botName, email = $"{botName}@example.com", password = "bot password" })).EnsureSuccessStatusCode();
        using var login = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", botName), new("password", "bot password")]));
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var page = await NewPersonAsync();
        var chat = new ChatPage(page);
        await new RegisterPage(page).RegisterAsync(UniqueName("ada"), "a long password");
        await chat.StartChatAsync(botName);
        await Expect(page).ToHaveURLAsync(ChatUrl());
        var chatId = page.Url[^24..];
        await chat.WaitForStreamAsync();

        using var events = new HttpRequestMessage(HttpMethod.Get, $"/api/chats/{chatId}/events");
        events.Headers.Accept.ParseAdd("text/event-stream");
        using var stream = await http.SendAsync(events, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());

        (await http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "beep from the API" })).EnsureSuccessStatusCode();
        await Expect(chat.Messages.Last).ToContainTextAsync("beep from the API", new() { Timeout = 1_000 });

        await chat.SendAsync("hello from the browser");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var seen = new List<string>();
        var eventType = "";
        while (!seen.Any(d => d.Contains("hello from the browser", StringComparison.Ordinal)))
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException("The API stream ended.");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventType = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventType == "message")
            {
                seen.Add(line[6..]); // messages only: presence comes too, as the browser's person is online
            }
        }

        var messages = seen.Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.Equal(["beep from the API", "hello from the browser"], messages.Select(m => m.GetProperty("content").GetString()));
        Assert.Equal([1L, 2L], messages.Select(m => m.GetProperty("seq").GetInt64()));
    }
}
