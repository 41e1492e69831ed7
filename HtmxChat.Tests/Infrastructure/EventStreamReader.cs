using System.Net;
using System.Text;

namespace HtmxChat.Tests.Infrastructure;

public sealed record ServerSentEvent(string? Type, string? Id, string Data);

/// <summary>Reads a text/event-stream response event by event, as EventSource would.</summary>
public sealed class EventStreamReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStreamReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public List<string> Comments { get; } = [];
    public string? Retry { get; private set; }

    public static async Task<EventStreamReader> OpenAsync(HttpClient http, string url, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStreamReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>
    /// Events about people rather than the chat (who came online or went offline): they come whenever someone connects,
    /// so <see cref="NextAsync"/> passes over them; ask for them by name with <see cref="NextOfTypeAsync"/>.
    /// </summary>
    private static readonly HashSet<string> AboutPeople = ["presence", "chat-presence"];

    /// <summary>The next event (not counting presence), or null when the server ends the stream.</summary>
    public async Task<ServerSentEvent?> NextAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var next = await NextOfAnyTypeAsync(timeout);
            if (next?.Type is null || !AboutPeople.Contains(next.Type))
            {
                return next;
            }
        }
    }

    private async Task<ServerSentEvent?> NextOfAnyTypeAsync(TimeSpan? timeout)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? type = null, id = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new ServerSentEvent(type, id, string.Join('\n', data));
                }
                continue;
            }
            if (line.StartsWith(':'))
            {
                Comments.Add(line);
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": type = value; break;
                case "id": id = value; break;
                case "data": data.Add(value); break;
                case "retry": Retry = value; break;
            }
        }
    }

    /// <summary>Skips events until one of <paramref name="type"/> arrives.</summary>
    public async Task<ServerSentEvent> NextOfTypeAsync(string type, TimeSpan? timeout = null)
    {
        while (true)
        {
            var next = await NextOfAnyTypeAsync(timeout) ?? throw new Xunit.Sdk.XunitException($"The stream ended before a '{type}' event.");
            if (next.Type == type)
            {
                return next;
            }
        }
    }

    /// <summary>Fails if an event arrives within <paramref name="quietFor"/>. The in-memory test server gives up the stream then: read nothing after.</summary>
    public async Task AssertQuietAsync(TimeSpan quietFor)
    {
        try
        {
            var next = await NextOfAnyTypeAsync(quietFor);
            Assert.Fail($"Expected nothing more, got '{next?.Type}' ({next?.Data}).");
        }
        catch (Exception e) when (e is OperationCanceledException || e.InnerException is OperationCanceledException)
        {
        }
    }

    /// <summary>Skips what is left until the server ends the stream; fails if it is still open after <paramref name="timeout"/>.</summary>
    public async Task AssertEndsAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (await _reader.ReadLineAsync(cts.Token) is not null)
            {
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException("The stream was still open.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        await Task.CompletedTask;
    }
}
