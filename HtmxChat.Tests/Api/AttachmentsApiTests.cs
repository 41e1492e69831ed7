using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HtmxChat.Tests.Infrastructure;
using SkiaSharp;

namespace HtmxChat.Tests.Api;

/// <summary>Files in messages through the API (API.md v2 attachments): upload, send, serve, and every refusal.</summary>
public sealed class AttachmentsApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(ApiClient Ada, ApiClient Bob, string ChatId)> ChatAsync()
    {
        var ada = await ApiClient.RegisterAsync(app.Factory);
        var bob = await ApiClient.RegisterAsync(app.Factory);
        return (ada, bob, await ada.CreateChatIdAsync(bob.UserName));
    }

    internal static async Task<HttpResponseMessage> UploadAsync(HttpClient http, string chatId, byte[] bytes, string fileName, string? contentType = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        form.Add(file, "file", fileName);
        return await http.PostAsync($"/api/chats/{chatId}/attachments", form);
    }

    private static async Task<JsonElement> UploadedAsync(ApiClient api, string chatId, byte[] bytes, string fileName)
    {
        using var response = await UploadAsync(api.Http, chatId, bytes, fileName);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> SendAsync(ApiClient api, string chatId, string content, params string[] attachments) =>
        api.Http.PostAsJsonAsync($"/api/chats/{chatId}/messages", new { content, attachments });

    private static string Id(JsonElement e) => e.GetProperty("id").GetString()!;

    [Fact]
    public async Task AnImageAndAPdfAreSentWithAMessageAndTheOtherParticipantGetsTheirBytes()
    {
        var (ada, bob, chatId) = await ChatAsync();
        var png = TestFiles.Png(800, 600);
        var pdf = TestFiles.Pdf();
        var image = await UploadedAsync(ada, chatId, png, "view.png");
        var document = await UploadedAsync(ada, chatId, pdf, "plan.pdf");

        using var sent = await SendAsync(ada, chatId, "the plan", Id(image), Id(document));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var message = (await bob.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages")[0];
        var attachments = message.GetProperty("attachments").EnumerateArray().ToList();

        Assert.Equal(["view.png", "plan.pdf"], attachments.Select(a => a.GetProperty("fileName").GetString()));
        Assert.Equal(("image/png", 800, 600), (attachments[0].GetProperty("contentType").GetString(), attachments[0].GetProperty("width").GetInt32(), attachments[0].GetProperty("height").GetInt32()));
        Assert.Equal($"/api/attachments/{Id(image)}/thumbnail", attachments[0].GetProperty("thumbnailUrl").GetString());
        Assert.Equal(("application/pdf", (long)pdf.Length), (attachments[1].GetProperty("contentType").GetString(), attachments[1].GetProperty("size").GetInt64()));
        Assert.False(attachments[1].TryGetProperty("width", out _));
        Assert.False(attachments[1].TryGetProperty("thumbnailUrl", out _));

        using var pdfResponse = await bob.Http.GetAsync(attachments[1].GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, pdfResponse.StatusCode);
        Assert.Equal(pdf, await pdfResponse.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", pdfResponse.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("plan.pdf", pdfResponse.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", pdfResponse.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("private", pdfResponse.Headers.CacheControl!.ToString());

        using var imageResponse = await bob.Http.GetAsync(attachments[0].GetProperty("url").GetString());
        Assert.Equal("inline", imageResponse.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("image/png", imageResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal((800, 600, SKEncodedOrigin.TopLeft), TestFiles.Decode(await imageResponse.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task AnImageLosesItsMetadataButKeepsItsOrientationAndItsThumbnailIsUpright()
    {
        var (ada, bob, chatId) = await ChatAsync();
        // Taken sideways: stored 800 × 400, shown 400 × 800.
        var photo = await UploadedAsync(ada, chatId, TestFiles.JpegWithExif(800, 400, orientation: 6), "IMG_0001.JPG");
        var png = await UploadedAsync(ada, chatId, TestFiles.Png(300, 200), "small.png");
        using (await SendAsync(ada, chatId, "photos", Id(photo), Id(png))) { }

        Assert.Equal((400, 800), (photo.GetProperty("width").GetInt32(), photo.GetProperty("height").GetInt32()));
        var served = await bob.Http.GetByteArrayAsync($"/api/attachments/{Id(photo)}");
        Assert.False(TestFiles.Contains(served, "GPSLatitude"));
        Assert.Equal((400, 800, SKEncodedOrigin.RightTop), TestFiles.Decode(served));
        Assert.False(TestFiles.Contains(await bob.Http.GetByteArrayAsync($"/api/attachments/{Id(png)}"), "GPSLatitude"));

        using var thumbnail = await bob.Http.GetAsync($"/api/attachments/{Id(photo)}/thumbnail");
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", thumbnail.Content.Headers.ContentDisposition!.DispositionType);
        var thumbnailBytes = await thumbnail.Content.ReadAsByteArrayAsync();
        Assert.Equal((200, 400, SKEncodedOrigin.TopLeft), TestFiles.Decode(thumbnailBytes));
        // The black mark was at the stored top-left; turned a quarter clockwise, it is at the top-right.
        using var upright = SKBitmap.Decode(thumbnailBytes);
        Assert.True(upright.GetPixel(190, 10).Red < 80, "top-right is the mark");
        Assert.True(upright.GetPixel(10, 10).Red > 150, "top-left is orange");
        // A small image's thumbnail is no larger than the image.
        Assert.Equal((300, 200, SKEncodedOrigin.TopLeft), TestFiles.Decode(await bob.Http.GetByteArrayAsync($"/api/attachments/{Id(png)}/thumbnail")));
    }

    [Fact]
    public async Task AGifLosesItsCommentAndXmpButStillLoops()
    {
        var (ada, _, chatId) = await ChatAsync();
        var gif = await UploadedAsync(ada, chatId, TestFiles.Gif(), "dot.gif");

        var served = await ada.Http.GetByteArrayAsync($"/api/attachments/{Id(gif)}");

        Assert.Equal(("image/gif", 1, 1), (gif.GetProperty("contentType").GetString(), gif.GetProperty("width").GetInt32(), gif.GetProperty("height").GetInt32()));
        Assert.False(TestFiles.Contains(served, "GPS48"));
        Assert.True(TestFiles.Contains(served, "NETSCAPE2.0"));
        Assert.Equal((1, 1, SKEncodedOrigin.TopLeft), TestFiles.Decode(served));
    }

    [Fact]
    public async Task BytesAreServedInRangesAndRevalidatedByETag()
    {
        var (ada, _, chatId) = await ChatAsync();
        var pdf = TestFiles.Pdf();
        var upload = await UploadedAsync(ada, chatId, pdf, "range.pdf");

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/attachments/{Id(upload)}");
        range.Headers.Range = new RangeHeaderValue(100, 149);
        using var partial = await ada.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(pdf[100..150], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 100-149/{pdf.Length}", partial.Content.Headers.ContentRange!.ToString());

        using var whole = await ada.Http.GetAsync($"/api/attachments/{Id(upload)}");
        var etag = whole.Headers.ETag!;
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/attachments/{Id(upload)}");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await ada.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task AnOutsiderAndAnUnknownIdGetTheSameNotFound()
    {
        var (ada, bob, chatId) = await ChatAsync();
        using var eve = await ApiClient.RegisterAsync(app.Factory);
        var sent = await UploadedAsync(ada, chatId, TestFiles.Pdf(), "secret.pdf");
        var unsent = await UploadedAsync(ada, chatId, TestFiles.Pdf(), "draft.pdf");
        using (await SendAsync(ada, chatId, "", Id(sent))) { }

        var answers = new List<(HttpStatusCode, string?)>();
        foreach (var (who, url) in new[]
        {
            (eve, $"/api/attachments/{Id(sent)}"),
            (eve, $"/api/attachments/{Id(sent)}/thumbnail"),
            // Until it is sent, an upload is its uploader's alone.
            (bob, $"/api/attachments/{Id(unsent)}"),
            (eve, $"/api/attachments/{HtmxChat.Web.Domain.Ids.New()}"),
            (eve, "/api/attachments/not-an-id"),
        })
        {
            using var response = await who.Http.GetAsync(url);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            answers.Add((response.StatusCode, problem.GetProperty("detail").GetString()));
        }
        using var upload = await UploadAsync(eve.Http, chatId, TestFiles.Pdf(), "in.pdf");

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.NotFound, "No such attachment."), a));
        await upload.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await ada.Http.GetAsync($"/api/attachments/{Id(unsent)}")).StatusCode);
    }

    [Fact]
    public async Task BadFilesAreRefusedWithTheirReason()
    {
        var (ada, _, chatId) = await ChatAsync();

        using var empty = await UploadAsync(ada.Http, chatId, [], "empty.txt");
        using var htmlAsPng = await UploadAsync(ada.Http, chatId, "<html><script>alert(1)</script></html>"u8.ToArray(), "cat.png", "image/png");
        using var noBody = new StringContent("");
        noBody.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        using var zeroLength = await ada.Http.PostAsync($"/api/chats/{chatId}/attachments", noBody);
        using var wrongField = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "document", "a.bin" } };
        using var noFileField = await ada.Http.PostAsync($"/api/chats/{chatId}/attachments", wrongField);
        using var json = await ada.Http.PostAsJsonAsync($"/api/chats/{chatId}/attachments", new { file = "abc" });

        Assert.Equal("The file is empty.", (await empty.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("file")[0].GetString());
        Assert.Equal("This file is named .png but is not a PNG image.", (await htmlAsPng.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType)).GetProperty("detail").GetString());
        await zeroLength.AssertProblemAsync(HttpStatusCode.BadRequest);
        await noFileField.AssertProblemAsync(HttpStatusCode.BadRequest);
        // Not a form at all: the route takes multipart/form-data only.
        await json.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task WhatCouldRunInABrowserIsOnlyEverADownload()
    {
        var (ada, _, chatId) = await ChatAsync();
        var html = await UploadedAsync(ada, chatId, "<!doctype html><script>alert(document.cookie)</script>"u8.ToArray(), "page.html");
        var svg = await UploadedAsync(ada, chatId, "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray(), "logo.svg");
        var disguised = await UploadedAsync(ada, chatId, "<html><body>hi</body></html>"u8.ToArray(), "notes.txt");

        Assert.Equal(["text/html", "image/svg+xml", "text/html"], new[] { html, svg, disguised }.Select(a => a.GetProperty("contentType").GetString()));
        foreach (var file in new[] { html, svg, disguised })
        {
            using var response = await ada.Http.GetAsync($"/api/attachments/{Id(file)}");
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single());
        }
    }

    [Fact]
    public async Task AnImageThatWillNotDecodeIsKeptAsAPlainFile()
    {
        var (ada, _, chatId) = await ChatAsync();
        byte[] broken = [.. TestFiles.Png(50, 50)[..40], .. Encoding.ASCII.GetBytes(new string('?', 500))];

        var upload = await UploadedAsync(ada, chatId, broken, "broken.png");
        using var response = await ada.Http.GetAsync($"/api/attachments/{Id(upload)}");
        using var thumbnail = await ada.Http.GetAsync($"/api/attachments/{Id(upload)}/thumbnail");

        Assert.Equal("application/octet-stream", upload.GetProperty("contentType").GetString());
        Assert.False(upload.TryGetProperty("thumbnailUrl", out _));
        Assert.Equal(broken, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(HttpStatusCode.NotFound, thumbnail.StatusCode);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\ada\\report.txt", "report.txt")]
    [InlineData("evil\u202Efdp.exe", "evilfdp.exe")]
    [InlineData("bell\u0007\r\nname.txt", "bellname.txt")]
    [InlineData("..", "file.txt")]
    [InlineData("what?*<>.txt", "what____.txt")]
    public async Task AFileNameIsKeptWithoutPathsOrControlCharacters(string sent, string kept)
    {
        var (ada, _, chatId) = await ChatAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("plain text"u8.ToArray());
        form.Add(file, "file");
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileNameStar = sent };

        using var response = await ada.Http.PostAsync($"/api/chats/{chatId}/attachments", form);
        var upload = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var download = await ada.Http.GetAsync($"/api/attachments/{Id(upload)}");

        Assert.Equal(kept, upload.GetProperty("fileName").GetString());
        Assert.Equal(kept, download.Content.Headers.ContentDisposition!.FileNameStar);
    }

    [Fact]
    public async Task AMessageTakesOnlyTheSendersUnsentUploadsInThatChat()
    {
        var (ada, bob, chatId) = await ChatAsync();
        var otherChat = await ada.CreateGroupAsync("elsewhere", bob.UserName);
        var mine = await UploadedAsync(ada, chatId, TestFiles.Pdf(), "a.pdf");
        var elsewhere = await UploadedAsync(ada, otherChat.GetProperty("id").GetString()!, TestFiles.Pdf(), "b.pdf");

        using var byBob = await SendAsync(bob, chatId, "mine now", Id(mine));
        using var fromOtherChat = await SendAsync(ada, chatId, "moved", Id(elsewhere));
        using var unknown = await SendAsync(ada, chatId, "ghost", HtmxChat.Web.Domain.Ids.New());
        using var twiceInOne = await SendAsync(ada, chatId, "double", Id(mine), Id(mine));
        using var first = await SendAsync(ada, chatId, "", Id(mine));
        using var again = await SendAsync(ada, chatId, "again", Id(mine));
        using var tooMany = await SendAsync(ada, chatId, "lots", [.. Enumerable.Range(0, 11).Select(_ => HtmxChat.Web.Domain.Ids.New())]);
        using var nothing = await SendAsync(ada, chatId, "  ");

        foreach (var refused in new[] { byBob, fromOtherChat, unknown, twiceInOne, again, tooMany })
        {
            var problem = await refused.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("attachments", out _));
        }
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("content").GetString());
        await nothing.AssertProblemAsync(HttpStatusCode.BadRequest);
        var messages = (await ada.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages");
        Assert.Equal(1, messages.GetArrayLength());
        var chat = await bob.GetJsonAsync($"/api/chats/{chatId}");
        Assert.Equal("📎 a.pdf", chat.GetProperty("lastMessage").GetProperty("content").GetString());
    }

    [Fact]
    public async Task ADeletedMessagesFilesAreNoLongerServed()
    {
        var (ada, bob, chatId) = await ChatAsync();
        var upload = await UploadedAsync(ada, chatId, TestFiles.Png(120, 80), "gone.png");
        using var sent = await SendAsync(ada, chatId, "soon gone", Id(upload));
        var messageId = Id(await sent.Content.ReadFromJsonAsync<JsonElement>());

        using var deleted = await ada.Http.DeleteAsync($"/api/chats/{chatId}/messages/{messageId}");
        var tombstone = (await bob.GetJsonAsync($"/api/chats/{chatId}/messages")).GetProperty("messages")[0];

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, tombstone.GetProperty("attachments").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync($"/api/attachments/{Id(upload)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.Http.GetAsync($"/api/attachments/{Id(upload)}/thumbnail")).StatusCode);
    }

    [Fact]
    public async Task TheStreamAndTheSocketCarryTheFilesAndTheSocketCanSendThem()
    {
        var (ada, bob, chatId) = await ChatAsync();
        await using var stream = await EventStreamReader.OpenAsync(bob.Http, $"/api/chats/{chatId}/events");
        using var socket = await ChatSocket.ConnectAsync(app.Factory, ada.Token);
        var upload = await UploadedAsync(ada, chatId, TestFiles.Pdf(), "by-socket.pdf");

        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "send", chatId, content = "over the socket", attachments = new[] { Id(upload) } }));
        var echoed = await socket.ReceiveOfTypeAsync("message");
        var streamed = await stream.NextOfTypeAsync("message");

        Assert.Equal("by-socket.pdf", echoed.GetProperty("message").GetProperty("attachments")[0].GetProperty("fileName").GetString());
        var data = JsonDocument.Parse(streamed.Data).RootElement;
        Assert.Equal($"/api/attachments/{Id(upload)}", data.GetProperty("attachments")[0].GetProperty("url").GetString());
    }
}
