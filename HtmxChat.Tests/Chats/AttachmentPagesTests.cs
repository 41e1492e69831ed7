using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using HtmxChat.Tests.Infrastructure;

namespace HtmxChat.Tests.Chats;

/// <summary>Files in the browser (UI.md v2 "Files"): the script's upload, the send form with and without JavaScript, serving.</summary>
public sealed partial class AttachmentPagesTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(BrowserClient Browser, string Name)> SignedInAsync()
    {
        var browser = app.Browser();
        var name = BrowserClient.UniqueName("files");
        using var registered = await browser.RegisterAsync(name);
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        return (browser, name);
    }

    private static MultipartFormDataContent FileForm(byte[] bytes, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return form;
    }

    /// <summary>What attachments.js does for each chosen file: posts it alone, with the token in a header.</summary>
    private static async Task<HttpResponseMessage> ScriptUploadAsync(BrowserClient browser, string chatId, byte[] bytes, string fileName)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/chats/{chatId}/attachments") { Content = FileForm(bytes, fileName) };
        request.Headers.Add("RequestVerificationToken", await browser.TokenAsync());
        return await browser.Http.SendAsync(request);
    }

    [Fact]
    public async Task AFileUploadedByTheScriptIsSentWithTheMessageAndTheOthersSeeItsThumbnail()
    {
        var (ada, _) = await SignedInAsync();
        var (bob, bobName) = await SignedInAsync();
        var (eve, _) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var uploaded = await ScriptUploadAsync(ada, chatId, TestFiles.Png(640, 480), "harbour.png");
        var chip = await uploaded.Content.ReadAsStringAsync();
        var id = AttachmentIdPattern().Match(chip).Groups[1].Value;
        using var send = new HttpRequestMessage(HttpMethod.Post, $"/chats/{chatId}/messages")
        {
            Content = new FormUrlEncodedContent([new("content", "look"), new("attachments", id)]),
            Headers = { { "HX-Request", "true" }, { "RequestVerificationToken", await ada.TokenAsync() } },
        };
        using var sent = await ada.Http.SendAsync(send);
        var page = await bob.GetPageAsync($"/chats/{chatId}");
        using var image = await bob.Http.GetAsync($"/attachments/{id}");
        using var thumbnail = await bob.Http.GetAsync($"/attachments/{id}/thumbnail");
        using var outsider = await eve.Http.GetAsync($"/attachments/{id}");

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Contains("harbour.png", chip);
        Assert.Contains($"name=\"attachments\" value=\"{id}\"", chip);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains($"<img src=\"/attachments/{id}/thumbnail\" width=\"400\" height=\"300\" alt=\"harbour.png\"", page);
        Assert.Contains($"href=\"/attachments/{id}\"", page);
        Assert.Equal(("image/png", "inline"), (image.Content.Headers.ContentType!.MediaType, image.Content.Headers.ContentDisposition!.DispositionType));
        Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
    }

    [Fact]
    public async Task WithoutJavaScriptThePlainFormSendsAMessageWithItsFile()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var form = FileForm(TestFiles.Pdf(), "minutes.pdf", ("content", "the minutes"), ("__RequestVerificationToken", await ada.TokenAsync()));
        using var response = await ada.Http.PostAsync($"/chats/{chatId}/messages", form);
        var page = await ada.GetPageAsync($"/chats/{chatId}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("the minutes", page);
        Assert.Matches("class=\"attachment-name[^\"]*\" href=\"/attachments/[0-9a-f]{24}\" download=\"minutes.pdf\">minutes.pdf</a>", page);
        Assert.Contains("2 KB", page);
    }

    [Fact]
    public async Task ARefusedFileIsExplainedBesideAttachFileAndTheTextStays()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);

        using var form = FileForm("<html>not a picture</html>"u8.ToArray(), "cat.png", ("content", "my cat"), ("__RequestVerificationToken", await ada.TokenAsync()));
        using var plain = await ada.Http.PostAsync($"/chats/{chatId}/messages", form);
        var page = await plain.Content.ReadAsStringAsync();
        using var scripted = await ScriptUploadAsync(ada, chatId, [], "empty.txt");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Matches("id=\"Attach-error\" role=\"alert\">This file is named .png but is not a PNG image.<", page);
        Assert.Contains("value=\"my cat\"", page);
        Assert.Equal(HttpStatusCode.BadRequest, scripted.StatusCode);
        Assert.Equal("The file is empty.", await scripted.Content.ReadAsStringAsync());
        Assert.DoesNotContain("my cat", await ada.GetPageAsync($"/chats/{chatId}").ContinueWith(t => Regex.Match(t.Result, "id=\"message-log\"[\\s\\S]*").Value));
    }

    [Fact]
    public async Task TheBrowsersCookieDoesNotOpenTheApiRouteNorATokenTheBrowserRoute()
    {
        var (ada, _) = await SignedInAsync();
        var (_, bobName) = await SignedInAsync();
        var chatId = await ada.StartChatAsync(bobName);
        using var uploaded = await ScriptUploadAsync(ada, chatId, TestFiles.Pdf(), "a.pdf");
        var id = AttachmentIdPattern().Match(await uploaded.Content.ReadAsStringAsync()).Groups[1].Value;

        using var api = await ada.Http.GetAsync($"/api/attachments/{id}");
        using var own = await ada.Http.GetAsync($"/attachments/{id}");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [GeneratedRegex("data-attachment-id=\"([0-9a-f]{24})\"")]
    private static partial Regex AttachmentIdPattern();
}
