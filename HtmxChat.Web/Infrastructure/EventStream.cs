using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// A text/event-stream response. Event frames are formatted by .NET's <see cref="SseFormatter"/> into bytes once, so one
/// frame can be written to many streams; the <c>retry:</c> hint and the <c>: ping</c> heartbeat comment, which
/// <see cref="SseItem{T}"/> cannot express, are written here.
/// </summary>
public sealed class EventStream
{
    /// <summary>How soon a client reconnects after the stream drops.</summary>
    public static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The socket send buffer of a stream on its own HTTP/1.1 connection. Left to itself the kernel grows it to
    /// megabytes for a reader that stopped reading, so writes keep succeeding and the stall limit never sees the stall;
    /// this much still holds many events for a reader that is merely slow.
    /// </summary>
    public const int SocketSendBuffer = 32 * 1024;

    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();
    private static readonly byte[] Retry = Encoding.UTF8.GetBytes($"retry: {(long)ReconnectAfter.TotalMilliseconds}\n\n");
    private readonly HttpResponse _response;

    /// <summary>The response's writer, looked up once: every write and flush to thousands of streams would look it up again.</summary>
    private PipeWriter _writer;

    private EventStream(HttpResponse response) => (_response, _writer) = (response, response.BodyWriter);

    /// <summary>A stream not yet open: nothing is sent until <see cref="OpenAsync"/>.</summary>
    public static EventStream For(HttpContext context) => new(context.Response);

    /// <summary>
    /// Sends the headers and the reconnect hint: from here the client knows the stream is open. The live feed opens it
    /// only once it is subscribed, so a client that sends right after opening sees its own change.
    /// </summary>
    public async ValueTask OpenAsync(CancellationToken ct)
    {
        var response = _response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells nginx-style proxies not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        if (HttpProtocol.IsHttp11(response.HttpContext.Request.Protocol)
            && response.HttpContext.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.SendBufferSize = SocketSendBuffer;
        }
        // Taken again after buffering is off: what writes from here on.
        _writer = response.BodyWriter;
        _writer.Write(Retry);
        await FlushAsync(ct);
        StreamAuthentication.ForgetCredentials(response.HttpContext);
    }

    /// <summary>
    /// The chat version a stream resumes after: the later of <c>Last-Event-ID</c> (sent by a reconnecting EventSource)
    /// and <paramref name="after"/> (a brand-new EventSource, as htmx opens after an error, sends no header). Null when
    /// neither was given: the stream starts with what happens next.
    /// </summary>
    public static long? ResumePoint(HttpRequest request, long? after)
    {
        var header = request.Headers["Last-Event-ID"];
        if (header.Count == 0)
        {
            return after;
        }
        var lastEventId = long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
        return Math.Max(after ?? 0, lastEventId);
    }

    public static Task<byte[]> FrameAsync(string eventType, string data, long? id = null) =>
        FrameAsync(eventType, data, id?.ToString(CultureInfo.InvariantCulture));

    public static async Task<byte[]> FrameAsync(string eventType, string data, string? id)
    {
        using var buffer = new MemoryStream();
        await SseFormatter.WriteAsync(One(new SseItem<string>(data, eventType) { EventId = id }), buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Unsent frames past this many bytes are sent before the next is added: a batch leaves in one write when it is
    /// small (the usual case), and a reader catching up on a flood is sent it in pieces, each its own progress.
    /// </summary>
    public const int SendAfterBytes = 16 * 1024;

    /// <summary>Adds a frame to the response's buffer; <see cref="FlushAsync"/> sends the batch.</summary>
    public ValueTask WriteAsync(byte[] frame, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var writer = _writer;
        writer.Write(frame);
        return writer.CanGetUnflushedBytes && writer.UnflushedBytes >= SendAfterBytes ? FlushAsync(ct) : ValueTask.CompletedTask;
    }

    public async ValueTask FlushAsync(CancellationToken ct) => await _writer.FlushAsync(ct);

    public ValueTask PingAsync(CancellationToken ct)
    {
        _writer.Write(Ping);
        return FlushAsync(ct);
    }

    private static async IAsyncEnumerable<SseItem<string>> One(SseItem<string> item)
    {
        await Task.CompletedTask;
        yield return item;
    }
}
