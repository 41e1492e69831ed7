using System.Net;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

public sealed class DocumentationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task TheOpenApiDocumentListsEveryRouteOfTheContractWithTheBearerScheme()
    {
        using var http = app.Factory.CreateClient();

        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths");
        var operations = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}")).ToHashSet();
        Assert.Subset(operations, new HashSet<string>
        {
            "POST /api/register", "POST /api/login", "GET /api/me", "GET /api/users", "GET /api/users/{userId}/chats",
            "GET /api/chats", "POST /api/chats", "GET /api/chats/{chatId}", "GET /api/chats/{chatId}/messages",
            "POST /api/chats/{chatId}/messages", "POST /api/chats/{chatId}/read", "GET /api/chats/{chatId}/events", "GET /api/ws/chat",
        });
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var send = paths.GetProperty("/api/chats/{chatId}/messages").GetProperty("post");
        Assert.False(string.IsNullOrEmpty(send.GetProperty("summary").GetString()));
        Assert.True(send.TryGetProperty("security", out _));
        Assert.True(paths.GetProperty("/api/chats/{chatId}/events").GetProperty("get").TryGetProperty("security", out _));
        Assert.True(send.GetProperty("responses").TryGetProperty("201", out _));
        Assert.False(paths.GetProperty("/api/login").GetProperty("post").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task TheDocsPageServesTheReferenceWithANoncedScriptPolicy()
    {
        using var http = app.Factory.CreateClient();

        using var response = await http.GetAsync("/docs/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.Contains($"script-src 'self' 'nonce-{nonce}'", csp);
        Assert.Contains($"nonce=\"{nonce}\"", html);
        Assert.Contains("openapi/v1.json", html);
    }
}
