using System.Net;
using System.Text.RegularExpressions;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>An HttpClient that behaves like a browser posting forms: it reads the antiforgery token from the page first.</summary>
public sealed partial class BrowserClient(HttpClient http) : IDisposable
{
    private static int _counter;

    public HttpClient Http { get; } = http;

    public static string UniqueName(string prefix = "user") => $"{prefix}{Environment.ProcessId % 1000}_{Interlocked.Increment(ref _counter)}";

    public async Task<string> GetPageAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Loads <paramref name="pageUrl"/>, then posts its form's antiforgery token with <paramref name="fields"/> to <paramref name="action"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string pageUrl, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var page = await GetPageAsync(pageUrl);
        var token = TokenPattern().Match(page).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"{pageUrl} has no antiforgery token");
        var form = fields.Append(new("__RequestVerificationToken", token));
        return await Http.PostAsync(action, new FormUrlEncodedContent(form));
    }

    public async Task<HttpResponseMessage> RegisterAsync(string username, string password = "correct horse", string? email = null, string? timeZone = null) =>
        await PostFormAsync("/account/register", "/account/register",
        [
            new("Username", username),
            new("Email", email ?? $"{username}@example.com"),
            new("Password", password),
            new("TimeZone", timeZone ?? ""),
        ]);

    public async Task<HttpResponseMessage> LogInAsync(string username, string password) =>
        await PostFormAsync("/account/login", "/account/login", [new("Username", username), new("Password", password)]);

    public async Task<HttpResponseMessage> LogOutAsync() => await PostFormAsync("/chats", "/account/logout", []);

    /// <summary>Starts a chat through the form and returns its id.</summary>
    public async Task<string> StartChatAsync(string participants, string? title = null)
    {
        using var response = await PostFormAsync("/chats", "/chats", [new("Participants", participants), new("Title", title ?? "")]);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.OriginalString.Split('/')[^1];
    }

    /// <summary>Posts a message the way htmx does: the antiforgery token in a header, <c>HX-Request</c> set.</summary>
    public async Task<HttpResponseMessage> SendHtmxAsync(string chatId, string content, bool withToken = true)
    {
        var page = await GetPageAsync("/chats");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/chats/{chatId}/messages")
        {
            Content = new FormUrlEncodedContent([new("content", content)]),
        };
        request.Headers.Add("HX-Request", "true");
        if (withToken)
        {
            request.Headers.Add("RequestVerificationToken", TokenPattern().Match(page).Groups[1].Value);
        }
        return await Http.SendAsync(request);
    }

    /// <summary>The antiforgery token a page's script would send in its header.</summary>
    public async Task<string> TokenAsync() => TokenPattern().Match(await GetPageAsync("/chats")).Groups[1].Value;

    public async Task<string> UserIdAsync() => UserIdPattern().Match(await GetPageAsync("/chats")).Groups[1].Value;

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("data-user-id=\"([0-9a-f]{24})\"")]
    private static partial Regex UserIdPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
