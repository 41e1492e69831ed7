using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using HtmxChat.Web.Attachments;
using Microsoft.Extensions.DependencyInjection;

namespace HtmxChat.Tests.Api;

/// <summary>The size cap, applied by real Kestrel while a file streams in, on the API and in the browser.</summary>
public sealed class AttachmentLimitsTests : IAsyncLifetime
{
    private const int MaxBytes = 200_000;
    private readonly TempFolder _folder = new();
    private KestrelApp _app = null!;

    public ValueTask InitializeAsync()
    {
        _app = KestrelApp.Start(_folder.Path, new Dictionary<string, string?> { ["Attachments:MaxBytes"] = MaxBytes.ToString() });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _app.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private HttpClient Client() => new(new SocketsHttpHandler { CookieContainer = new(), AllowAutoRedirect = false }) { BaseAddress = _app.Address };

    private string[] StoredFiles() =>
        Directory.Exists(Path.Combine(_folder.Path, "files"))
            ? [.. Directory.GetFiles(Path.Combine(_folder.Path, "files"), "*", SearchOption.AllDirectories)]
            : [];

    [Fact]
    public async Task AFileOverTheCapIsRefusedWhileItStreamsAndNothingIsKept()
    {
        using var registrar = await ApiClient.RegisterAsync(_app.Factory);
        var http = Client();
        var token = await ApiClient.LogInAsync(http, registrar.UserName, "api password");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var ada = new ApiClient(http, registrar.UserName, registrar.UserId, token);
        using var bob = await ApiClient.RegisterAsync(_app.Factory);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        var atCap = new byte[MaxBytes];
        Random.Shared.NextBytes(atCap);

        using var accepted = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, atCap, "at-cap.bin");
        var storedBefore = StoredFiles();
        using var refused = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, new byte[MaxBytes + 1], "over-cap.bin");
        using var farOver = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, new byte[MaxBytes * 3], "far-over.bin");
        // A client that does not say how long its body is (chunked) is cut off at the cap all the same.
        using var chunked = new MultipartFormDataContent { { new StreamContent(new MemoryStream(new byte[MaxBytes * 2])), "file", "chunked.bin" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/chats/{chatId}/attachments") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var refusedChunked = await ada.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal("A file can be at most 195 KB.", (await refused.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString());
        await farOver.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await refusedChunked.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(storedBefore, StoredFiles());
    }
}

/// <summary>Uploads never sent are removed after <c>Attachments:UnsentHours</c>; sent ones stay.</summary>
public sealed class AttachmentSweepTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly AppFactory _app;

    public AttachmentSweepTests() => _app = new AppFactory(_folder.Path, services: s => s.AddSingleton<TimeProvider>(_clock));

    public void Dispose()
    {
        _app.Dispose();
        _folder.Dispose();
    }

    private string[] StoredFiles() => [.. Directory.GetFiles(Path.Combine(_folder.Path, "files"), "*", SearchOption.AllDirectories)];

    [Fact]
    public async Task UploadsNeverSentAreSweptAfterADayAndSentOnesStay()
    {
        using var ada = await ApiClient.RegisterAsync(_app);
        using var bob = await ApiClient.RegisterAsync(_app);
        var chatId = await ada.CreateChatIdAsync(bob.UserName);
        async Task<string> UploadAsync(string name, string color)
        {
            using var response = await AttachmentsApiTests.UploadAsync(ada.Http, chatId, TestFiles.Png(64, 64, SkiaSharp.SKColor.Parse(color)), name);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var forgotten = await UploadAsync("forgotten.png", "#112233");
        var sent = await UploadAsync("sent.png", "#445566");
        using (await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content = "kept", attachments = new[] { sent } })) { }
        var filesBefore = StoredFiles().Length;
        var sweeper = _app.Services.GetRequiredService<AttachmentService>();

        _clock.Advance(TimeSpan.FromHours(23));
        var early = await sweeper.SweepAsync(TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromHours(2));
        var swept = await sweeper.SweepAsync(TestContext.Current.CancellationToken);

        Assert.Equal((0, 1), (early, swept));
        Assert.Equal(HttpStatusCode.NotFound, (await ada.Http.GetAsync($"/api/attachments/{forgotten}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.Http.GetAsync($"/api/attachments/{sent}")).StatusCode);
        // The forgotten image and its thumbnail are gone from the disk.
        Assert.Equal(filesBefore - 2, StoredFiles().Length);
    }
}
