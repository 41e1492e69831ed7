using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>An API client as API.md describes one: register, log in, then bearer tokens.</summary>
public sealed class ApiClient(HttpClient http, string userName, string userId, string token) : IDisposable
{
    public HttpClient Http { get; } = http;
    public string UserName { get; } = userName;
    public string UserId { get; } = userId;
    public string Token { get; } = token;

    public static async Task<ApiClient> RegisterAsync(AppFactory app, string? name = null, string password = "api password")
    {
        var http = app.CreateClient();
        name ??= BrowserClient.UniqueName("api");
        using var registered = await http.PostAsJsonAsync("/api/register", new { username = name, email = $"{name}@example.com", password });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var token = await LogInAsync(http, name, password);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ApiClient(http, name, id, token);
    }

    /// <summary>An account that exists already (the seeded admin, say), logged in.</summary>
    public static async Task<ApiClient> LogInExistingAsync(AppFactory app, string name, string password)
    {
        var http = app.CreateClient();
        var token = await LogInAsync(http, name, password);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = await http.GetFromJsonAsync<JsonElement>("/api/me");
        return new ApiClient(http, name, me.GetProperty("id").GetString()!, token);
    }

    public static async Task<string> LogInAsync(HttpClient http, string name, string password)
    {
        using var login = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", name), new("password", password), new("grant_type", "password")]));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    public async Task<JsonElement> CreateChatAsync(params string[] participants)
    {
        using var response = await Http.PostAsJsonAsync("/api/chats", new { participants });
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A group chat: titled, so even two people make a group rather than a direct chat.</summary>
    public async Task<JsonElement> CreateGroupAsync(string title, params string[] participants)
    {
        using var response = await Http.PostAsJsonAsync("/api/chats", new { participants, title });
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> CreateChatIdAsync(params string[] participants) => (await CreateChatAsync(participants)).GetProperty("id").GetString()!;

    public async Task<HttpResponseMessage> SendAsync(string chatId, string content) =>
        await Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content });

    public async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public void Dispose() => Http.Dispose();
}

public static class ProblemAssertions
{
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        // An open stream's body never ends: what matters is that there is one.
        var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? "an open event stream"
            : await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _));
        return problem;
    }
}
