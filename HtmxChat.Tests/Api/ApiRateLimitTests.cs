using System.Net;
using System.Net.Http.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

public sealed class ApiRateLimitTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public ApiRateLimitTests() => _app = new AppFactory(_folder.Path, new Dictionary<string, string?>
    {
        ["RateLimits:LoginsPerMinutePerAddress"] = "4",
        ["Chat:SendBurst"] = "2",
        ["Chat:SendsPerMinute"] = "1",
    });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task SendingTooFastIs429WithRetryAfter()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        (await ada.SendAsync(chatId, "1")).Dispose();
        (await ada.SendAsync(chatId, "2")).Dispose();
        using var third = await ada.SendAsync(chatId, "3");

        await third.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(third.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task TooManyLoginsFromOneAddressAre429WithRetryAfter()
    {
        using var http = _app.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var allowed = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", "someone"), new("password", "guess " + i)]));
            statuses.Add(allowed.StatusCode);
        }
        using var limited = await http.PostAsync("/api/login", new FormUrlEncodedContent([new("username", "someone"), new("password", "one more")]));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("slow_down", (await limited.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetString());
        Assert.NotNull(limited.Headers.RetryAfter);
    }
}
