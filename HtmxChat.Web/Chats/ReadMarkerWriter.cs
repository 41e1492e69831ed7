using System.Collections.Concurrent;

namespace HtmxChat.Web.Chats;

/// <summary>
/// What open streams have shown, written to the store in the background: a message fanned out to thousands of
/// streams costs each of them a dictionary update, not a store round trip, and many sightings of one chat by one
/// person become one write.
/// </summary>
public sealed class ReadMarkerWriter(ChatService chats, ILogger<ReadMarkerWriter> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<(string UserId, string ChatId), long> _seen = new();

    public void Seen(string userId, string chatId, long seq) =>
        _seen.AddOrUpdate((userId, chatId), seq, (_, known) => Math.Max(known, seq));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; a marker not yet written is re-read the next time the chat is opened.
        }
    }

    internal async Task FlushAsync(CancellationToken ct)
    {
        foreach (var key in _seen.Keys)
        {
            if (!_seen.TryRemove(key, out var seq))
            {
                continue;
            }
            try
            {
                await chats.MarkReadAsync(key.UserId, key.ChatId, seq, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not save that {UserId} read chat {ChatId} up to {Seq}", key.UserId, key.ChatId, seq);
            }
        }
    }
}
