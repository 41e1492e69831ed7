using System.Buffers.Binary;

namespace HtmxChat.Web.Attachments;

/// <summary>
/// Copies an image without what the camera or editor wrote about it (EXIF with its GPS position, XMP, IPTC, comments
/// and text chunks), for JPEG, PNG, WebP and GIF,
/// leaving the pixels' bytes untouched. A JPEG keeps its orientation, written back as a minimal EXIF block, so it still
/// shows the right way up.
/// </summary>
public static class ImageMetadata
{
    /// <summary>Writes the stripped copy of <paramref name="source"/> (seekable, at its start) to <paramref name="target"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed file of that type.</exception>
    public static Task StripAsync(string contentType, Stream source, Stream target, int orientation, CancellationToken ct) => contentType switch
    {
        Domain.FileTypes.Jpeg => StripJpegAsync(source, target, orientation, ct),
        Domain.FileTypes.Png => StripPngAsync(source, target, ct),
        Domain.FileTypes.WebP => StripWebPAsync(source, target, ct),
        Domain.FileTypes.Gif => StripGifAsync(source, target, ct),
        _ => source.CopyToAsync(target, ct),
    };

    private static async Task StripJpegAsync(Stream source, Stream target, int orientation, CancellationToken ct)
    {
        var marker = new byte[4];
        await source.ReadExactlyAsync(marker.AsMemory(0, 2), ct);
        await target.WriteAsync(marker.AsMemory(0, 2), ct);
        var orientationWritten = orientation is < 2 or > 8;
        while (true)
        {
            await source.ReadExactlyAsync(marker.AsMemory(0, 2), ct);
            if (marker[0] != 0xFF)
            {
                throw new InvalidDataException("A JPEG segment does not start with a marker.");
            }
            while (marker[1] == 0xFF)
            {
                await source.ReadExactlyAsync(marker.AsMemory(1, 1), ct);
            }
            var code = marker[1];
            if (code is 0x01 or >= 0xD0 and <= 0xD7)
            {
                await target.WriteAsync(marker.AsMemory(0, 2), ct);
                continue;
            }
            if (!orientationWritten && code != 0xE0)
            {
                await target.WriteAsync(OrientationSegment(orientation), ct);
                orientationWritten = true;
            }
            if (code is 0xDA or 0xD9)
            {
                // Start of scan (the compressed pixels) or end of image: the rest is kept as it is.
                await target.WriteAsync(marker.AsMemory(0, 2), ct);
                await source.CopyToAsync(target, ct);
                return;
            }
            await source.ReadExactlyAsync(marker.AsMemory(2, 2), ct);
            var length = BinaryPrimitives.ReadUInt16BigEndian(marker.AsSpan(2, 2));
            if (length < 2)
            {
                throw new InvalidDataException("A JPEG segment has a bad length.");
            }
            var payload = new byte[length - 2];
            await source.ReadExactlyAsync(payload, ct);
            if (KeepsJpegSegment(code, payload))
            {
                await target.WriteAsync(marker, ct);
                await target.WriteAsync(payload, ct);
            }
        }
    }

    // JFIF (APP0), a colour profile (APP2 ICC_PROFILE) and Adobe's colour transform (APP14) change how the pixels look;
    // every other application segment and comment is metadata.
    private static bool KeepsJpegSegment(byte code, byte[] payload) => code switch
    {
        0xE0 or 0xEE => true,
        0xE2 => payload.AsSpan().StartsWith("ICC_PROFILE\0"u8),
        >= 0xE1 and <= 0xEF or 0xFE => false,
        _ => true,
    };

    /// <summary>An APP1 EXIF segment with only the orientation tag (big-endian TIFF, one IFD entry).</summary>
    public static byte[] OrientationSegment(int orientation)
    {
        byte[] segment =
        [
            0xFF, 0xE1, 0x00, 0x22,
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
            0x00, 0x01,
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, (byte)orientation, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        return segment;
    }

    private static readonly HashSet<string> PngMetadataChunks = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"];

    private static async Task StripPngAsync(Stream source, Stream target, CancellationToken ct)
    {
        var signature = new byte[8];
        await source.ReadExactlyAsync(signature, ct);
        await target.WriteAsync(signature, ct);
        var header = new byte[8];
        while (true)
        {
            await source.ReadExactlyAsync(header, ct);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length > int.MaxValue - 4)
            {
                throw new InvalidDataException("A PNG chunk is too long.");
            }
            var type = System.Text.Encoding.ASCII.GetString(header, 4, 4);
            if (PngMetadataChunks.Contains(type))
            {
                source.Seek(length + 4, SeekOrigin.Current);
            }
            else
            {
                await target.WriteAsync(header, ct);
                await CopyExactlyAsync(source, target, length + 4L, ct); // the data and its CRC
            }
            if (type == "IEND")
            {
                return;
            }
        }
    }

    private static async Task StripWebPAsync(Stream source, Stream target, CancellationToken ct)
    {
        var header = new byte[12];
        await source.ReadExactlyAsync(header, ct);
        var riffEnd = Math.Min(source.Length, 8 + (long)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
        var kept = new List<(string FourCc, long Offset, uint Size)>();
        var chunk = new byte[8];
        while (source.Position + 8 <= riffEnd)
        {
            await source.ReadExactlyAsync(chunk, ct);
            var fourCc = System.Text.Encoding.ASCII.GetString(chunk, 0, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            var padded = size + (size & 1);
            if (source.Position + padded > riffEnd + 1)
            {
                throw new InvalidDataException("A WebP chunk runs past the end of the file.");
            }
            if (fourCc is not ("EXIF" or "XMP "))
            {
                kept.Add((fourCc, source.Position, size));
            }
            source.Seek(padded, SeekOrigin.Current);
        }
        var riffSize = 4 + kept.Sum(c => 8 + c.Size + (c.Size & 1));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)riffSize);
        await target.WriteAsync(header, ct);
        foreach (var (fourCc, offset, size) in kept)
        {
            System.Text.Encoding.ASCII.GetBytes(fourCc, chunk);
            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), size);
            await target.WriteAsync(chunk, ct);
            source.Position = offset;
            var padded = size + (size & 1);
            if (fourCc == "VP8X" && size is >= 1 and <= 64)
            {
                var body = new byte[padded];
                await source.ReadExactlyAsync(body, ct);
                body[0] &= unchecked((byte)~(0x08 | 0x04)); // the EXIF and XMP flags
                await target.WriteAsync(body, ct);
            }
            else
            {
                await CopyExactlyAsync(source, target, padded, ct);
            }
        }
    }

    // Application extensions that change how a GIF plays or looks: the loop count and the colour profile.
    private static readonly HashSet<string> GifKeptApplications = ["NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"];

    private static async Task StripGifAsync(Stream source, Stream target, CancellationToken ct)
    {
        var header = new byte[13]; // signature and logical screen descriptor
        await source.ReadExactlyAsync(header, ct);
        await target.WriteAsync(header, ct);
        await CopyExactlyAsync(source, target, ColourTableLength(header[10]), ct);
        var one = new byte[1];
        while (true)
        {
            await source.ReadExactlyAsync(one, ct);
            switch (one[0])
            {
                case 0x3B: // trailer
                    await target.WriteAsync(one, ct);
                    return;
                case 0x2C: // an image: descriptor, local colour table, LZW code size, data
                    var descriptor = new byte[10];
                    descriptor[0] = 0x2C;
                    await source.ReadExactlyAsync(descriptor.AsMemory(1), ct);
                    await target.WriteAsync(descriptor, ct);
                    await CopyExactlyAsync(source, target, ColourTableLength(descriptor[9]) + 1, ct);
                    await CopySubBlocksAsync(source, target, ct);
                    break;
                case 0x21:
                    var label = new byte[1];
                    await source.ReadExactlyAsync(label, ct);
                    if (label[0] == 0xFE)
                    {
                        await CopySubBlocksAsync(source, null, ct); // a comment
                        break;
                    }
                    if (label[0] == 0xFF)
                    {
                        var application = new byte[12];
                        await source.ReadExactlyAsync(application, ct);
                        if (!GifKeptApplications.Contains(System.Text.Encoding.ASCII.GetString(application, 1, 11)))
                        {
                            await CopySubBlocksAsync(source, null, ct); // XMP and the like
                            break;
                        }
                        await target.WriteAsync(new byte[] { 0x21, 0xFF }, ct);
                        await target.WriteAsync(application, ct);
                    }
                    else
                    {
                        await target.WriteAsync(new byte[] { 0x21, label[0] }, ct);
                    }
                    await CopySubBlocksAsync(source, target, ct);
                    break;
                default:
                    throw new InvalidDataException("A GIF block starts with an unknown byte.");
            }
        }
    }

    private static long ColourTableLength(byte flags) => (flags & 0x80) == 0 ? 0 : 3L << ((flags & 0x07) + 1);

    /// <summary>Copies (or, with no target, skips) data sub-blocks up to and including the empty one that ends them.</summary>
    private static async Task CopySubBlocksAsync(Stream source, Stream? target, CancellationToken ct)
    {
        var block = new byte[256];
        while (true)
        {
            await source.ReadExactlyAsync(block.AsMemory(0, 1), ct);
            var size = block[0];
            await source.ReadExactlyAsync(block.AsMemory(1, size), ct);
            if (target is not null)
            {
                await target.WriteAsync(block.AsMemory(0, size + 1), ct);
            }
            if (size == 0)
            {
                return;
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> bytes through a small buffer: a large chunk is never held whole.</summary>
    private static async Task CopyExactlyAsync(Stream source, Stream target, long count, CancellationToken ct)
    {
        var buffer = new byte[(int)Math.Min(count, 81920)];
        while (count > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), ct);
            if (read == 0)
            {
                throw new InvalidDataException("The file ends inside a chunk.");
            }
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            count -= read;
        }
    }
}
