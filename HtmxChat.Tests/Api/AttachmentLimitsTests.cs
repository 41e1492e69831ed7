using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Attachments;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Api;

/// <summary>The size cap, applied while a file streams in, and the sweep of uploads never sent.</summary>
public sealed class AttachmentLimitsTests : IDisposable
{
    private const int MaxBytes = 200_000;
    private readonly TempFolder _folder = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _app;
    private readonly AppFactory _factory;

    public AttachmentLimitsTests()
    {
        _factory = new AppFactory(_folder.Path, new Dictionary<string, string?> { ["Attachments:MaxBytes"] = MaxBytes.ToString() });
        _app = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock)));
    }

    public void Dispose()
    {
        _app.Dispose();
        _factory.Dispose();
        _folder.Dispose();
    }

    private async Task<(ApiClient Ada, string ChatId)> ChatAsync()
    {
        var http = _app.CreateClient();
        var ada = await ApiClient.RegisterAsync(_factory);
        ada.Http.Dispose();
        var token = await ApiClient.LogInAsync(http, ada.UserName, "api password");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var bob = await ApiClient.RegisterAsync(_factory);
        var api = new ApiClient(http, ada.UserName, ada.UserId, token);
        return (api, await api.CreateChatIdAsync(bob.UserName));
    }

    private string[] StoredFiles() =>
        Directory.Exists(Path.Combine(_folder.Path, "files"))
            ? [.. Directory.GetFiles(Path.Combine(_folder.Path, "files"), "*", SearchOption.AllDirectories)]
            : [];

    [Fact]
    public async Task AFileOverTheCapIsRefusedWhileItStreamsAndNothingIsKept()
    {
        var (ada, chatId) = await ChatAsync();
        var atCap = new byte[MaxBytes];
        var overCap = new byte[MaxBytes + 1];
        Random.Shared.NextBytes(atCap);

        using var accepted = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, atCap, "at-cap.bin");
        var storedBefore = StoredFiles();
        using var refused = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, overCap, "over-cap.bin");
        // A client that does not say how long its body is (chunked) is cut off at the cap all the same.
        using var chunked = new MultipartFormDataContent { { new StreamContent(new MemoryStream(overCap)), "file", "chunked.bin" } };
        chunked.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chats/{chatId}/attachments") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var refusedChunked = await ada.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal("A file can be at most 195 KB.", (await refused.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        await refusedChunked.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(storedBefore, StoredFiles());
    }

    [Fact]
    public async Task UploadsNeverSentAreSweptAfterADayAndSentOnesStay()
    {
        var (ada, chatId) = await ChatAsync();
        async Task<string> UploadAsync(string name, string color)
        {
            using var response = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, TestFiles.Png(64, 64, SkiaSharp.SKColor.Parse(color)), name);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var forgotten = await UploadAsync("forgotten.png", "#112233");
        var sent = await UploadAsync("sent.png", "#445566");
        using (await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "kept", attachments = new[] { sent } })) { }
        var filesBefore = StoredFiles().Length;

        _clock.Advance(TimeSpan.FromHours(23));
        var early = await _app.Services.GetRequiredService<AttachmentService>().SweepAsync(TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromHours(2));
        var swept = await _app.Services.GetRequiredService<AttachmentService>().SweepAsync(TestContext.Current.CancellationToken);

        Assert.Equal((0, 1), (early, swept));
        Assert.Equal(HttpStatusCode.NotFound, (await ada.Http.GetAsync($"/api/attachments/{forgotten}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.Http.GetAsync($"/api/attachments/{sent}")).StatusCode);
        // The forgotten image and its thumbnail are gone from the disk.
        Assert.Equal(filesBefore - 2, StoredFiles().Length);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
