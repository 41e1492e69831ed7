using HtmxChat.E2E.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>With JavaScript off, the send form posts one file itself; a file over the cap is explained beside the field.</summary>
public sealed class FilesWithoutJavaScriptTests(BrowserFixture browser) : E2ETest(browser)
{
    private const int MaxBytes = 200_000;

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Attachments:MaxBytes"] = MaxBytes.ToString() };

    [Fact]
    public async Task APlainFormSendsAFileAndRefusesOneOverTheCapWithItsReason()
    {
        var (page, chat, _) = await PersonAsync("plain", javaScript: false);
        var (_, _, otherName) = await PersonAsync("other");
        await chat.StartChatAsync(otherName);
        await Expect(page).ToHaveURLAsync(ChatPageUrl());
        var attach = page.GetByLabel("Attach file");
        var pdf = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n" + new string('x', 3000));

        await attach.SetInputFilesAsync(new FilePayload { Name = "agenda.pdf", MimeType = "application/pdf", Buffer = pdf });
        await chat.MessageField.FillAsync("the agenda");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        var sent = chat.Message("the agenda");
        await Expect(sent.GetByRole(AriaRole.Link, new() { Name = "agenda.pdf" })).ToBeVisibleAsync();

        // Just over the cap: the form was read, so the text stays.
        await page.GetByLabel("Attach file").SetInputFilesAsync(new FilePayload { Name = "big.bin", MimeType = "application/octet-stream", Buffer = new byte[MaxBytes + 1] });
        await chat.MessageField.FillAsync("too big");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator("#Attach-error")).ToHaveTextAsync("A file can be at most 195 KB.");
        await Expect(chat.MessageField).ToHaveValueAsync("too big");

        // Far over: refused before it is read, back on the chat with the reason.
        await page.GetByLabel("Attach file").SetInputFilesAsync(new FilePayload { Name = "huge.bin", MimeType = "application/octet-stream", Buffer = new byte[MaxBytes * 5] });
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Expect(page.Locator("#Attach-error")).ToHaveTextAsync("A file can be at most 195 KB.");
        await Expect(chat.Messages).ToHaveCountAsync(1);
    }
}
