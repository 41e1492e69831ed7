using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using SkiaSharp;

namespace HtmxChat.Tests.Infrastructure;

/// <summary>Real files to upload: images encoded by Skia, with the metadata cameras write; documents by their signatures.</summary>
public static class TestFiles
{
    public const string Gps = "GPSLatitude=48.8584N GPSLongitude=2.2945E";

    /// <summary>A PNG with a text chunk that says where it was taken.</summary>
    public static byte[] Png(int width, int height, SKColor? color = null)
    {
        var png = Encode(width, height, SKEncodedImageFormat.Png, color ?? SKColors.SteelBlue);
        // After the signature and IHDR (8 + 25 bytes), a tEXt chunk.
        var data = Encoding.Latin1.GetBytes("Comment\0" + Gps);
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes("tEXt", chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32Of(chunk.AsSpan(4, 4 + data.Length)));
        return [.. png[..33], .. chunk, .. png[33..]];
    }

    /// <summary>
    /// A JPEG stored <paramref name="storedWidth"/> × <paramref name="storedHeight"/> with an EXIF block holding its
    /// orientation and, after the directory, a GPS position, as a phone writes a photo taken sideways.
    /// </summary>
    public static byte[] JpegWithExif(int storedWidth, int storedHeight, int orientation)
    {
        var jpeg = Encode(storedWidth, storedHeight, SKEncodedImageFormat.Jpeg, SKColors.Orange);
        var exif = Web.Attachments.ImageMetadata.OrientationSegment(orientation);
        var extra = Encoding.ASCII.GetBytes(Gps);
        var segment = new byte[exif.Length + extra.Length];
        exif.CopyTo(segment, 0);
        extra.CopyTo(segment, exif.Length);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(segment.Length - 2));
        // Right after SOI.
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>A 1 × 1 GIF that loops, with a comment and an XMP block that say where it was made.</summary>
    public static byte[] Gif()
    {
        static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
        byte[] gps = Ascii("GPS48.8584N");
        return
        [
            .. Ascii("GIF89a"), 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,   // 1 × 1, a global table of two colours
            0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
            0x21, 0xFF, 0x0B, .. Ascii("NETSCAPE2.0"), 0x03, 0x01, 0x00, 0x00, 0x00, // loop forever
            0x21, 0xFE, (byte)gps.Length, .. gps, 0x00,                            // a comment
            0x21, 0xFF, 0x0B, .. Ascii("XMP DataXMP"), (byte)gps.Length, .. gps, 0x00,
            0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,            // the image
            0x02, 0x02, 0x44, 0x01, 0x00,
            0x3B,
        ];
    }

    public static byte[] Pdf() => Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + new string('x', 2000));

    /// <summary>Skia's view of an image: its size as shown (orientation applied) and its orientation.</summary>
    public static (int Width, int Height, SKEncodedOrigin Origin) Decode(byte[] image)
    {
        using var codec = SKCodec.Create(new MemoryStream(image));
        Assert.NotNull(codec);
        var sideways = codec.EncodedOrigin >= SKEncodedOrigin.LeftTop;
        return sideways ? (codec.Info.Height, codec.Info.Width, codec.EncodedOrigin) : (codec.Info.Width, codec.Info.Height, codec.EncodedOrigin);
    }

    public static bool Contains(byte[] haystack, string text) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(color);
            // A mark in the top-left corner, to see which way up a thumbnail came out.
            using var paint = new SKPaint { Color = SKColors.Black };
            canvas.DrawRect(0, 0, width / 4f, height / 4f, paint);
        }
        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(format, 90).ToArray();
    }

    private static uint Crc32Of(ReadOnlySpan<byte> bytes) => Crc32.HashToUInt32(bytes);
}
