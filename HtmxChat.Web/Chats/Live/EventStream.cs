using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace HtmxChat.Web.Chats.Live;

/// <summary>
/// A text/event-stream response. Event frames are formatted by .NET's <see cref="SseFormatter"/> into bytes once, so one
/// frame can be written to many streams; the <c>retry:</c> hint and the <c>: ping</c> heartbeat comment, which
/// <see cref="SseItem{T}"/> cannot express, are written here.
/// </summary>
public sealed class EventStream
{
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();
    private readonly HttpResponse _response;
    private long _lastWrite = Stopwatch.GetTimestamp();

    private EventStream(HttpResponse response) => _response = response;

    public static async Task<EventStream> StartAsync(HttpContext context, TimeSpan reconnectAfter)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells nginx-style proxies not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var stream = new EventStream(response);
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"retry: {(long)reconnectAfter.TotalMilliseconds}\n\n"), context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);
        return stream;
    }

    /// <summary>
    /// Where a stream starts: after the later of <c>Last-Event-ID</c> (sent by a reconnecting EventSource) and
    /// <paramref name="after"/> (a brand-new EventSource, as htmx opens after an error, sends no header). Resuming is
    /// true when either was given, even as 0.
    /// </summary>
    public static (long LastSeq, bool Resuming) ResumePoint(HttpRequest request, long? after)
    {
        var header = request.Headers["Last-Event-ID"];
        var lastEventId = long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0;
        return (Math.Max(after ?? 0, lastEventId), after is not null || header.Count > 0);
    }

    public static async Task<byte[]> FrameAsync(string eventType, string data, long? id = null)
    {
        using var buffer = new MemoryStream();
        await SseFormatter.WriteAsync(One(new SseItem<string>(data, eventType) { EventId = id?.ToString(CultureInfo.InvariantCulture) }), buffer);
        return buffer.ToArray();
    }

    public ValueTask WriteAsync(byte[] frame, CancellationToken ct)
    {
        _lastWrite = Stopwatch.GetTimestamp();
        return _response.Body.WriteAsync(frame, ct);
    }

    public Task FlushAsync(CancellationToken ct) => _response.Body.FlushAsync(ct);

    /// <summary>
    /// Writes each event of <paramref name="subscription"/> with <paramref name="write"/>, flushing once per batch,
    /// until the client leaves, the stream is closed or it falls too far behind. Whenever nothing has been written
    /// for <paramref name="heartbeat"/> (events this stream skips do not count) it writes a ping.
    /// </summary>
    public async Task PumpAsync(Subscription subscription, Func<ChatEvent, Task> write, Func<Task> afterBatch, TimeSpan heartbeat, CancellationToken ct)
    {
        var events = subscription.Events;
        try
        {
            while (true)
            {
                var quietFor = heartbeat - Stopwatch.GetElapsedTime(_lastWrite);
                if (quietFor <= TimeSpan.Zero)
                {
                    await WriteAsync(Ping, ct);
                    await _response.Body.FlushAsync(ct);
                    continue;
                }
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                idle.CancelAfter(quietFor);
                bool open;
                try
                {
                    open = await events.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    continue;
                }
                if (!open)
                {
                    return;
                }
                while (events.TryRead(out var chatEvent))
                {
                    await write(chatEvent);
                }
                await _response.Body.FlushAsync(ct);
                await afterBatch();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> One(SseItem<string> item)
    {
        await Task.CompletedTask;
        yield return item;
    }
}
