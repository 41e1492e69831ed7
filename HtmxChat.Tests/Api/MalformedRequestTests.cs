using System.Net;
using System.Net.Http.Headers;
using System.Text;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>No request, however malformed, gets a 500: checked over real Kestrel, which enforces the body limits.</summary>
public sealed class MalformedRequestTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private KestrelApp _app = null!;
    private ApiClient _api = null!;
    private HttpClient _http = null!;
    private string _chatId = "";

    public async ValueTask InitializeAsync()
    {
        _app = KestrelApp.Start(_folder.Path, new Dictionary<string, string?>());
        _http = new HttpClient { BaseAddress = _app.Address };
        using var registrar = new HttpClient { BaseAddress = _app.Address };
        var other = BrowserClient.UniqueName("other");
        await registrar.PostAsync("/api/register", Json($"{{\"username\":\"{other}\",\"email\":\"{other}@example.com\",\"password\":\"long enough\"}}"));
        _api = await ApiClient.RegisterAsync(_app.Factory);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _api.Token);
        var created = await _http.PostAsync("/api/chats", Json($"{{\"participants\":[\"{other}\"]}}"));
        _chatId = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _api.Dispose();
        _app.Dispose();
        _folder.Dispose();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ByteArrayContent Bytes(byte[] body, string type = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    public static TheoryData<string, string, string, int> Requests => new()
    {
        { "POST", "/api/register", "{\"username\":", 400 },
        { "POST", "/api/register", "{\"username\":5,\"email\":[],\"password\":{}}", 400 },
        { "POST", "/api/register", "[]", 400 },
        { "POST", "/api/register", "null", 400 },
        { "POST", "/api/register", "", 400 },
        { "POST", "/api/chats", "{\"participants\":\"not a list\"}", 400 },
        { "POST", "/api/chats", "{\"participants\":[1,2]}", 400 },
        { "POST", "/api/chats", "{\"participants\":[null]}", 400 },
        { "POST", "/api/chats/{chat}/messages", "{\"content\":123}", 400 },
        { "POST", "/api/chats/{chat}/messages", "{\"content\":null}", 400 },
        { "POST", "/api/chats/{chat}/read", "{\"seq\":\"ten\"}", 400 },
        { "POST", "/api/chats/{chat}/read", "{\"seq\":1e400}", 400 },
        { "GET", "/api/chats/%00%ff/messages", "", 400 },
        { "GET", "/api/chats/%ff%fe/messages", "", 404 },
        { "GET", "/api/chats/../../etc/passwd", "", 404 },
        { "GET", "/api/chats/{chat}/messages?limit=1&limit=2", "", 400 },
        { "GET", "/api/users/x/chats", "", 403 },
        { "POST", "/api/login", "{\"username\":", 400 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task MalformedRequestsGetAClear4xx(string method, string path, string body, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{chat}", _chatId, StringComparison.Ordinal));
        if (method == "POST")
        {
            request.Content = Json(body);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task InvalidUtf8IsA400()
    {
        var bytes = "{\"content\":\""u8.ToArray().Concat(new byte[] { 0xff, 0xfe, 0xc3 }).Concat("\"}"u8.ToArray()).ToArray();

        using var response = await _http.PostAsync($"/api/chats/{_chatId}/messages", Bytes(bytes));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AHugeBodyIsRefusedWith413WhetherItsLengthIsDeclaredOrNot()
    {
        var huge = Encoding.UTF8.GetBytes("{\"content\":\"" + new string('a', 200_000) + "\"}");

        using var declared = await _http.PostAsync($"/api/chats/{_chatId}/messages", Bytes(huge));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, $"/api/chats/{_chatId}/messages") { Content = new StreamContent(new MemoryStream(huge)) };
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        using var streamed = await _http.SendAsync(chunked);

        await declared.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await streamed.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task TheWrongContentTypeIs415()
    {
        using var response = await _http.PostAsync($"/api/chats/{_chatId}/messages", new StringContent("content=hi", Encoding.UTF8, "text/plain"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task AnUnknownApiRouteIsAProblemNotAnHtmlPage()
    {
        using var response = await _http.GetAsync("/api/nothing/here");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StoredDataSurvivesTheBarrage()
    {
        foreach (var row in Requests)
        {
            var (method, path, body, status) = row.Data;
            await MalformedRequestsGetAClear4xx(method, path, body, status);
        }

        using var response = await _http.GetAsync($"/api/chats/{_chatId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
