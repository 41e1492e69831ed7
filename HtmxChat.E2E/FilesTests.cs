using HtmxChat.E2E.Infrastructure;
using HtmxChat.E2E.Pages;
using SkiaSharp;
using static Microsoft.Playwright.Assertions;

namespace HtmxChat.E2E;

/// <summary>Files in messages (UI.md v2 "Files"): attached, pasted and dropped, seen live, opened and downloaded.</summary>
public sealed class FilesTests(BrowserFixture browser) : E2ETest(browser)
{
    private static byte[] Png(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(color);
        }
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }

    private static readonly byte[] Pdf = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n% a test document\n" + new string('x', 5000) + "\n%%EOF\n");


    private static ILocator Uploaded(IPage page) => page.Locator(".pending-attachment:not(.uploading)");

    [Fact]
    public async Task AnImageAndAPdfAreSeenLiveTheImageOpensAndThePdfDownloadsIntact()
    {
        var (ada, bob, adaPage, bobPage) = await ChattingAsync(bobWidth: 360);

        await adaPage.GetByLabel("Attach file").SetInputFilesAsync(
        [
            new FilePayload { Name = "harbour.png", MimeType = "image/png", Buffer = Png(800, 600, SKColors.SeaGreen) },
            new FilePayload { Name = "plan.pdf", MimeType = "application/pdf", Buffer = Pdf },
        ]);
        await Expect(Uploaded(adaPage)).ToHaveCountAsync(2);
        await ada.SendAsync("the trip");

        var message = bob.Message("the trip");
        var thumbnail = message.Locator(".attachment-image img");
        await Expect(thumbnail).ToBeVisibleAsync();
        await Expect(thumbnail).ToHaveAttributeAsync("alt", "harbour.png");
        Assert.True(await thumbnail.EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 400"), "the thumbnail loaded, 400 px wide");
        await Expect(message.Locator(".attachment-card")).ToContainTextAsync("plan.pdf");
        // Nothing runs off a phone's screen.
        Assert.True(await bobPage.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 360"), "no sideways scrolling at 360 px");

        await message.Locator(".attachment-image").ClickAsync();
        var viewer = bobPage.Locator("#image-viewer img");
        await Expect(viewer).ToBeVisibleAsync();
        await Expect(viewer).ToHaveJSPropertyAsync("naturalWidth", 800);
        await bobPage.Keyboard.PressAsync("Escape");
        await Expect(viewer).ToBeHiddenAsync();

        var download = await bobPage.RunAndWaitForDownloadAsync(() => message.GetByRole(AriaRole.Link, new() { Name = "plan.pdf" }).ClickAsync());
        Assert.Equal("plan.pdf", download.SuggestedFilename);
        Assert.Equal(Pdf, await File.ReadAllBytesAsync(await download.PathAsync()));
    }

    [Fact]
    public async Task APastedImageAndADroppedFileAreAttachedAndOneCanBeRemovedBeforeSending()
    {
        var (ada, bob, adaPage, _) = await ChattingAsync();
        var png = Convert.ToBase64String(Png(300, 200, SKColors.Tomato));

        // What the browser fires for Ctrl+V with an image on the clipboard, and for a file dropped on the chat.
        await ada.MessageField.EvaluateAsync("""
            (field, png) => {
              const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
              const clipboard = new DataTransfer();
              clipboard.items.add(new File([bytes], "image.png", { type: "image/png" }));
              field.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
            }
            """, png);
        await adaPage.Locator("#message-log").EvaluateAsync("""
            log => {
              const dropped = new DataTransfer();
              dropped.items.add(new File(["minutes of the meeting"], "minutes.txt", { type: "text/plain" }));
              log.dispatchEvent(new DragEvent("dragover", { dataTransfer: dropped, bubbles: true, cancelable: true }));
              log.dispatchEvent(new DragEvent("drop", { dataTransfer: dropped, bubbles: true, cancelable: true }));
            }
            """);
        await Expect(Uploaded(adaPage)).ToHaveCountAsync(2);
        // From the keyboard: back from Message to Attach file, then to the last file's Remove.
        await ada.MessageField.FocusAsync();
        await adaPage.Keyboard.PressAsync("Shift+Tab");
        await Expect(adaPage.GetByLabel("Attach file")).ToBeFocusedAsync();
        await adaPage.Keyboard.PressAsync("Shift+Tab");
        await Expect(adaPage.GetByRole(AriaRole.Button, new() { Name = "Remove minutes.txt" })).ToBeFocusedAsync();
        await adaPage.Keyboard.PressAsync("Enter");
        await Expect(Uploaded(adaPage)).ToHaveCountAsync(1);
        await ada.SendAsync("pasted");

        var message = bob.Message("pasted");
        await Expect(message.Locator(".attachment-image img")).ToHaveAttributeAsync("alt", "image.png");
        await Expect(message.Locator(".attachment-card")).ToHaveCountAsync(0);
        await Expect(Uploaded(adaPage)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ARefusedFileSaysWhyBesideAttachFile()
    {
        var (ada, _, adaPage, _) = await ChattingAsync();

        await adaPage.GetByLabel("Attach file").SetInputFilesAsync(new FilePayload
        {
            Name = "cat.png",
            MimeType = "image/png",
            Buffer = "<html><script>alert(1)</script></html>"u8.ToArray(),
        });

        await Expect(adaPage.Locator("#Attach-error")).ToHaveTextAsync("cat.png: This file is named .png but is not a PNG image.");
        await Expect(adaPage.GetByLabel("Attach file")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(adaPage.Locator(".pending-attachment")).ToHaveCountAsync(0);
    }
}
