using System.ComponentModel.DataAnnotations;

namespace HtmxChat.Web.Attachments;

/// <summary>Bound from the <c>Attachments</c> section.</summary>
public sealed class AttachmentOptions
{
    /// <summary>The largest file taken, in bytes (25 MB); a larger one is refused with 413 while it streams in.</summary>
    [Range(1, 2L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Files one message may carry.</summary>
    [Range(1, 100)]
    public int MaxPerMessage { get; set; } = 10;

    /// <summary>Hours an upload may stay unsent before the sweep removes it.</summary>
    [Range(1, 24 * 365)]
    public int UnsentHours { get; set; } = 24;

    /// <summary>Minutes between sweeps.</summary>
    [Range(1, 24 * 60)]
    public int SweepMinutes { get; set; } = 60;

    /// <summary>Images larger than this (width × height) are kept without a thumbnail, so decoding stays within memory.</summary>
    [Range(1, 1_000_000_000)]
    public long MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>What a request carrying one file may add around it (multipart headers, the message's other fields).</summary>
    public const long EnvelopeBytes = 64 * 1024;

    public long MaxRequestBytes => MaxBytes + EnvelopeBytes;

    /// <summary>
    /// How much of a refused body is read (and thrown away) so that the refusal reaches a client still sending; past
    /// this the connection is closed after the answer instead.
    /// </summary>
    public long DrainBytes => 4 * MaxRequestBytes;
}
