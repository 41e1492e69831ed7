using System.Text;

namespace HtmxChat.Web.Domain;

/// <summary>
/// What a file is, decided by its first bytes (magic numbers), never by its name or the Content-Type a client sent; and
/// which types a browser may render on our origin (plain raster images only).
/// </summary>
public static class FileTypes
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string WebP = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Zip = "application/zip";
    public const string Gzip = "application/gzip";
    public const string Html = "text/html";
    public const string Svg = "image/svg+xml";
    public const string Xml = "application/xml";
    public const string Text = "text/plain";
    public const string Binary = "application/octet-stream";

    /// <summary>Bytes to read from the start of a file for <see cref="Detect"/>.</summary>
    public const int HeadLength = 512;

    /// <summary>Shown inline; everything else (SVG and HTML included) is served as a download.</summary>
    public static bool IsInlineImage(string contentType) => contentType is Png or Jpeg or Gif or WebP;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];
    private static ReadOnlySpan<byte> GzipSignature => [0x1F, 0x8B];

    public static string Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(PngSignature))
        {
            return Png;
        }
        if (head.StartsWith(JpegSignature))
        {
            return Jpeg;
        }
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return Gif;
        }
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return WebP;
        }
        if (head.StartsWith("%PDF-"u8))
        {
            return Pdf;
        }
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return Zip;
        }
        if (head.StartsWith(GzipSignature))
        {
            return Gzip;
        }
        return IsText(head) ? MarkupType(head) ?? Text : Binary;
    }

    /// <summary>
    /// The type to record for a file whose bytes are <paramref name="detected"/> and whose name is
    /// <paramref name="fileName"/>: formats that share a container (a .docx is a zip, a .csv is text) take the name's
    /// more precise type, which never changes how the file is served.
    /// </summary>
    public static string Refine(string detected, string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return detected switch
        {
            Zip => extension switch
            {
                ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                ".odt" => "application/vnd.oasis.opendocument.text",
                ".ods" => "application/vnd.oasis.opendocument.spreadsheet",
                ".epub" => "application/epub+zip",
                _ => Zip,
            },
            Text => extension switch
            {
                ".csv" => "text/csv",
                ".md" or ".markdown" => "text/markdown",
                ".json" => "application/json",
                _ => Text,
            },
            _ => detected,
        };
    }

    /// <summary>
    /// Why a file cannot be taken, or null: a name that claims a format with a signature of its own (an image, a PDF)
    /// while the bytes are something else (a <c>.png</c> that is HTML).
    /// </summary>
    public static string? Mismatch(string detected, string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        (string Type, string Name)? claimed = extension switch
        {
            ".png" => (Png, "a PNG image"),
            ".jpg" or ".jpeg" or ".jfif" => (Jpeg, "a JPEG image"),
            ".gif" => (Gif, "a GIF image"),
            ".webp" => (WebP, "a WebP image"),
            ".pdf" => (Pdf, "a PDF document"),
            _ => null,
        };
        return claimed is { } c && c.Type != detected ? $"This file is named {extension} but is not {c.Name}." : null;
    }

    /// <summary>The usual extension for a type, with its dot; empty for a type without one.</summary>
    public static string ExtensionOf(string contentType) => contentType switch
    {
        Png => ".png",
        Jpeg => ".jpg",
        Gif => ".gif",
        WebP => ".webp",
        Pdf => ".pdf",
        Text => ".txt",
        _ => "",
    };

    /// <summary>A short label for a file card: the extension, else the kind of type.</summary>
    public static string Label(string contentType, string fileName) =>
        Path.GetExtension(fileName) is { Length: > 1 and <= 6 } extension ? extension[1..].ToUpperInvariant()
        : contentType == Binary ? "FILE"
        : contentType.Split('/')[^1].ToUpperInvariant();

    private static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        // The head may end inside a character: judge only whole ones.
        var end = head.Length;
        for (var back = 1; back <= 3 && back <= head.Length; back++)
        {
            var b = head[head.Length - back];
            if ((b & 0xC0) == 0xC0)
            {
                end = head.Length - back;
                break;
            }
            if ((b & 0x80) == 0)
            {
                break;
            }
        }
        return System.Text.Unicode.Utf8.IsValid(head[..end]);
    }

    private static string? MarkupType(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF').TrimStart().ToLowerInvariant();
        if (!text.StartsWith('<'))
        {
            return null;
        }
        // Anything that starts as markup is treated as HTML unless it says it is XML: a browser would sniff it so.
        return text.Contains("<svg", StringComparison.Ordinal) ? Svg
            : text.StartsWith("<?xml", StringComparison.Ordinal) ? Xml
            : Html;
    }
}
