namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// Where chat events are published and where streams are ended. In one process it delivers to this instance's streams
/// (<see cref="LocalEventBus"/>); with Redis configured, to the streams of every instance.
/// </summary>
public interface IChatEventBus
{
    void Publish(ChatEvent chatEvent);

    /// <summary>Ends the streams of one browser session, as at logout.</summary>
    void EndSession(string userId, string sessionId);

    /// <summary>Ends every stream and socket of a person, as when an administrator locks the account.</summary>
    void EndUser(string userId);

    /// <summary>A person's account changed: every instance's <see cref="Accounts.AccountCache"/> drops it.</summary>
    void AccountChanged(string userId);
}

/// <summary>This instance's streams: chat changes through the <see cref="ChangeSequencer"/>, everything else straight to the hub.</summary>
public sealed class LocalEventBus(ChatHub hub, ChangeSequencer sequencer, FeedMetrics metrics, Accounts.AccountCache accounts) : IChatEventBus
{
    public void Publish(ChatEvent chatEvent)
    {
        if (chatEvent is ChatChange change)
        {
            metrics.Published(change.Kind);
        }
        Deliver(chatEvent);
    }

    /// <summary>Hands an event to this instance's streams without counting it as published here (it came from another instance).</summary>
    public void Deliver(ChatEvent chatEvent)
    {
        if (chatEvent is ChatChange change)
        {
            sequencer.Accept(change);
        }
        else
        {
            hub.Publish(chatEvent);
        }
    }

    public void EndSession(string userId, string sessionId) => hub.EndSession(userId, sessionId);

    public void EndUser(string userId) => hub.EndUser(userId);

    public void AccountChanged(string userId) => accounts.Forget(userId);
}
