using System.Threading.Channels;
using HtmxChat.Web.Chats.Feed;
using HtmxChat.Web.Domain;

namespace HtmxChat.Web.Chats;

/// <summary>
/// A push service that reaches people with no tab or socket open anywhere: Web Push (VAPID, a service worker), a mobile
/// push gateway, email. None ships with HtmxChat yet; register one to have it called.
/// </summary>
public interface IOfflineNotifier
{
    /// <summary>
    /// A new <paramref name="message"/> in <paramref name="chat"/> for <paramref name="recipient"/>, who is offline on
    /// every instance and whose level for the chat takes it. Called once per message and recipient, by the instance
    /// that stored the message.
    /// </summary>
    Task NotifyAsync(ChatParticipant recipient, Chat chat, Message message, CancellationToken ct);
}

/// <summary>The default: no push service, so nothing is looked up or sent.</summary>
public sealed class NoOfflineNotifier : IOfflineNotifier
{
    public Task NotifyAsync(ChatParticipant recipient, Chat chat, Message message, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// Hands each new message to the <see cref="IOfflineNotifier"/> for the participants it should reach, in the
/// background, so a push service never slows sending; with no push service configured it does nothing at all.
/// </summary>
public sealed class OfflineNotifications(IOfflineNotifier notifier, IPresenceDirectory presence, ILogger<OfflineNotifications> logger) : BackgroundService
{
    private readonly Channel<(Chat Chat, Message Message)> _pending =
        Channel.CreateBounded<(Chat, Message)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void MessagePosted(Chat chat, Message message)
    {
        if (notifier is not NoOfflineNotifier)
        {
            _pending.Writer.TryWrite((chat, message));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (chat, message) in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                var wanting = chat.Participants.Where(p => p.IsNotifiedOf(message)).ToList();
                if (wanting.Count == 0)
                {
                    continue;
                }
                var online = await presence.OnlineAmongAsync([.. wanting.Select(p => p.UserId)]);
                foreach (var recipient in wanting.Where(p => !online.Contains(p.UserId)))
                {
                    await notifier.NotifyAsync(recipient, chat, message, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not notify the offline participants of chat {ChatId} of message {Seq}", chat.Id, message.Seq);
            }
        }
    }
}
