using System.Net;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Api;

public sealed class SearchApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task SearchReturnsMatchesWithTheirChatAndAMarkedSnippetThatEscapesEverythingElse()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        var word = $"zebra{Guid.NewGuid():N}"[..14];
        (await ada.SendAsync(chatId, $"<script>alert(1)</script> the {word} & more")).Dispose();

        var found = await bob.GetJsonAsync($"/api/search?q={word}");

        var hit = found.GetProperty("results").EnumerateArray().Single();
        Assert.Equal(chatId, hit.GetProperty("chat").GetProperty("id").GetString());
        Assert.Equal(2, hit.GetProperty("chat").GetProperty("participants").GetArrayLength());
        Assert.Equal(1L, hit.GetProperty("message").GetProperty("seq").GetInt64());
        var snippet = hit.GetProperty("snippet").GetString()!;
        Assert.Contains($"<mark>{word}</mark>", snippet);
        Assert.DoesNotContain("<script>", snippet);
        Assert.Contains("&lt;script&gt;", snippet);
        Assert.Equal(JsonValueKind.Null, found.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=")]
    [InlineData("q=%20%20")]
    [InlineData("q=x&before=not-a-cursor")]
    [InlineData("q=x&limit=0")]
    [InlineData("q=x&before=MTp4L3k")]
    public async Task BadSearchesAre400(string query)
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);

        using var response = await ada.Http.GetAsync($"/api/search?{query}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AQueryOverTwoHundredCharactersIs400()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);

        using var response = await ada.Http.GetAsync($"/api/search?q={new string('a', 201)}");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("q", out _));
    }

    [Fact]
    public async Task SearchingAChatThatIsNotTheCallersIs404()
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);
        using var bob = await ApiClient.RegisterAsync(app.Factory);
        using var outsider = await ApiClient.RegisterAsync(app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);

        using var response = await outsider.Http.GetAsync($"/api/search?q=hello&chatId={chatId}");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("NEAR(")]
    [InlineData("*")]
    [InlineData("-")]
    [InlineData("\"unbalanced")]
    [InlineData("(a OR b")]
    [InlineData("a:b")]
    [InlineData("<script>")]
    public async Task SearchSyntaxPeopleTypeIsNeverAnError(string text)
    {
        using var ada = await ApiClient.RegisterAsync(app.Factory);

        using var response = await ada.Http.GetAsync($"/api/search?q={Uri.EscapeDataString(text)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
