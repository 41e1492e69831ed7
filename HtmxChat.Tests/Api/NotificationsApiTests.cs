using System.Net;
using System.Net.Http.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

/// <summary>API.md v2: each participant's notification level per chat.</summary>
public sealed class NotificationsApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task ALevelIsKeptPerPersonAndShownInTheirChatOnly()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        Assert.Equal("all", (await ada.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("notifications").GetString());

        using var mentions = await ada.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "mentions" });
        using var none = await bob.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "none" });

        Assert.Equal(HttpStatusCode.NoContent, mentions.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        Assert.Equal("mentions", (await ada.GetJsonAsync($"/api/chats/{chatId}")).GetProperty("notifications").GetString());
        Assert.Equal("none", (await bob.GetJsonAsync("/api/chats")).EnumerateArray().Single(c => c.GetProperty("id").GetString() == chatId).GetProperty("notifications").GetString());
    }

    [Fact]
    public async Task AnUnknownLevelIs400AndAChatThatIsNotYoursIs404()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        using var eve = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var unknown = await ada.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "loud" });
        using var missing = await ada.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { });
        using var outsider = await eve.Http.PutAsJsonAsync($"/api/chats/{chatId}/notifications", new { level = "none" });

        Assert.True((await unknown.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("level", out _));
        await missing.AssertProblemAsync(HttpStatusCode.BadRequest);
        await outsider.AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
