using System.Net;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Chats;

public sealed class SendRateLimitTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly AppFactory _app;

    public SendRateLimitTests() => _app = new AppFactory(_folder.Path, new Dictionary<string, string?>
    {
        ["Chat:SendBurst"] = "3",
        ["Chat:SendsPerMinute"] = "1",
    });

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task SendingFasterThanTheLimitGets429WithRetryAfterAndASlowDownMessage()
    {
        using var ada = new BrowserClient(_app.CreateClient());
        using var bob = new BrowserClient(_app.CreateClient());
        await ada.RegisterAsync("rate_ada");
        await bob.RegisterAsync("rate_bob");
        var chatId = await ada.StartChatAsync("rate_bob");

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await ada.SendHtmxAsync(chatId, $"ok {i}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var limited = await ada.SendHtmxAsync(chatId, "one too many");
        using var othersUnaffected = await bob.SendHtmxAsync(chatId, "bob is fine");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var form = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Slow down", form);
        Assert.Contains("value=\"one too many\"", form);
        Assert.Equal(HttpStatusCode.OK, othersUnaffected.StatusCode);
    }
}
