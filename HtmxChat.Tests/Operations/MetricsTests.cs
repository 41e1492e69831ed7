using System.Net;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Operations;

/// <summary>
/// OpenTelemetry listens to every meter named HtmxChat in the process, so streams that other tests' apps opened before this
/// listener started and close while it runs would count below zero here: these tests run alone.
/// </summary>
[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
[Collection(nameof(MetricsTests))]
public sealed class MetricsTests
{
    [Fact]
    public async Task WithPrometheusOnTheScrapeEndpointShowsTheLiveFeed()
    {
        using var folder = new TempFolder();
        using var app = new AppFactory(folder.Path, new Dictionary<string, string?> { ["Metrics:Prometheus"] = "true" });
        using var ada = await ApiClient.RegisterAsync(app);
        using var bob = await ApiClient.RegisterAsync(app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        (await ada.SendAsync(chatId, "counted")).Dispose();
        await stream.NextOfTypeAsync("message");

        var metrics = await ScrapeUntilAsync(ada.Http, "htmxchat_deliveries_total");

        Assert.Matches("""htmxchat_streams_open\{[^}]*transport="api"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""htmxchat_changes_published_total\{[^}]*kind="MessagePosted"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""htmxchat_deliveries_total\{[^}]*transport="api"[^}]*\} [1-9]""", metrics);
        Assert.Contains("htmxchat_send_duration_milliseconds_count", metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics);
    }

    [Fact]
    public async Task WithoutPrometheusThereIsNoScrapeEndpoint()
    {
        using var folder = new TempFolder();
        using var app = new AppFactory(folder.Path);
        using var http = app.CreateClient();

        using var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The exporter caches a scrape briefly; ask again until the named series shows.</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient http, string series)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var text = await http.GetStringAsync("/metrics");
            if (text.Contains(series, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return text;
            }
            await Task.Delay(200);
        }
    }
}
