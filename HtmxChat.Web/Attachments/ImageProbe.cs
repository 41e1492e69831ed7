using SkiaSharp;

namespace HtmxChat.Web.Attachments;

/// <summary>What decoding an image found: its size as shown, its EXIF orientation (1 to 8) and a thumbnail.</summary>
public sealed record ImageFacts(int Width, int Height, int Orientation, byte[]? Thumbnail, string? ThumbnailType);

/// <summary>
/// Decodes images with SkiaSharp (Skia, as Chromium uses; MIT): the size, and a thumbnail of at most
/// <see cref="ThumbnailEdge"/> pixels on the long side, right way up, as WebP. A JPEG is decoded at a reduced scale
/// where the codec can, so a large photo never needs all its pixels in memory.
/// </summary>
public static class ImageProbe
{
    public const int ThumbnailEdge = 400;

    /// <summary>Null when the bytes do not decode as an image.</summary>
    public static ImageFacts? Probe(Stream seekable, long maxPixels)
    {
        // The codec owns the Skia stream, which must leave the caller's stream open.
        using var skiaStream = new SKManagedStream(seekable, disposeManagedStream: false);
        using var codec = SKCodec.Create(skiaStream, out var result);
        if (codec is null || result != SKCodecResult.Success || codec.Info.Width <= 0 || codec.Info.Height <= 0)
        {
            return null;
        }
        var origin = codec.EncodedOrigin;
        var sideways = origin >= SKEncodedOrigin.LeftTop;
        var (width, height) = sideways ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > maxPixels)
        {
            return new ImageFacts(width, height, (int)origin, null, null);
        }

        var scale = Math.Min(1f, (float)ThumbnailEdge / Math.Max(width, height));
        var decodeSize = codec.GetScaledDimensions(scale);
        var info = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        var decodeResult = codec.GetPixels(info, decoded.GetPixels());
        if (decodeResult != SKCodecResult.Success)
        {
            return null;
        }
        var (thumbWidth, thumbHeight) = (Math.Max(1, (int)Math.Round(codec.Info.Width * scale)), Math.Max(1, (int)Math.Round(codec.Info.Height * scale)));
        using var resized = decoded.Width == thumbWidth && decoded.Height == thumbHeight
            ? decoded.Copy()
            : decoded.Resize(new SKImageInfo(thumbWidth, thumbHeight, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        if (resized is null)
        {
            return null;
        }
        using var upright = Orient(resized, origin);
        using var image = SKImage.FromBitmap(upright);
        using var webp = image.Encode(SKEncodedImageFormat.Webp, 80);
        if (webp is not null && webp.Size > 0)
        {
            return new ImageFacts(width, height, (int)origin, webp.ToArray(), Domain.FileTypes.WebP);
        }
        using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 82);
        return new ImageFacts(width, height, (int)origin, jpeg?.ToArray(), jpeg is null ? null : Domain.FileTypes.Jpeg);
    }

    /// <summary>The bitmap turned and mirrored as its EXIF orientation says, so it shows the right way up.</summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return source.Copy();
        }
        var sideways = origin >= SKEncodedOrigin.LeftTop;
        var (w, h) = sideways ? (source.Height, source.Width) : (source.Width, source.Height);
        var target = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(target);
        switch (origin)
        {
            case SKEncodedOrigin.TopRight: canvas.Translate(w, 0); canvas.Scale(-1, 1); break;
            case SKEncodedOrigin.BottomRight: canvas.Translate(w, h); canvas.RotateDegrees(180); break;
            case SKEncodedOrigin.BottomLeft: canvas.Translate(0, h); canvas.Scale(1, -1); break;
            case SKEncodedOrigin.LeftTop: canvas.Scale(-1, 1); canvas.RotateDegrees(90); break;
            case SKEncodedOrigin.RightTop: canvas.Translate(w, 0); canvas.RotateDegrees(90); break;
            case SKEncodedOrigin.RightBottom: canvas.Translate(w, h); canvas.Scale(-1, 1); canvas.RotateDegrees(-90); break;
            case SKEncodedOrigin.LeftBottom: canvas.Translate(0, h); canvas.RotateDegrees(-90); break;
        }
        canvas.DrawBitmap(source, 0, 0);
        canvas.Flush();
        return target;
    }
}
