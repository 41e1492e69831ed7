using System.Runtime.CompilerServices;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>Reads a chat's change feed from the store, which is the truth: catch-up after a reconnect, and gap filling.</summary>
public sealed class ChangeReader(IChatRepository chats)
{
    public const int PageSize = 100;

    /// <summary>
    /// Every change of the chat after <paramref name="afterVersion"/>, in version order, each changed item once in its
    /// current state (a message posted and then edited comes once, as posted, already edited). The chat is read first
    /// and the messages up to its version: the caller has subscribed before calling, so anything newer arrives live,
    /// and nothing stored in the meantime is skipped over.
    /// </summary>
    public async IAsyncEnumerable<ChatChange> ReadAsync(string chatId, long afterVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        if (await chats.FindAsync(chatId, ct) is not { } chat)
        {
            yield break;
        }
        var detailsChanged = chat.DetailsVersion > afterVersion;
        var after = afterVersion;
        while (after < chat.Version)
        {
            var page = await chats.GetChangedMessagesAsync(chat.Id, after, PageSize, ct);
            foreach (var message in page.Messages.TakeWhile(m => m.Version <= chat.Version))
            {
                if (detailsChanged && chat.DetailsVersion <= message.Version)
                {
                    // The chat's details once, at their latest change: with its system line when that line is this message.
                    detailsChanged = false;
                    if (chat.DetailsVersion < message.Version)
                    {
                        yield return new ChatChange(ChangeKind.ChatUpdated, chat);
                    }
                }
                yield return ChatChange.ForReaderAfter(afterVersion, chat, message);
                after = message.Version;
            }
            if (!page.HasMore || page.Messages.Count == 0 || page.Messages[^1].Version > chat.Version)
            {
                break;
            }
        }
        if (detailsChanged)
        {
            yield return new ChatChange(ChangeKind.ChatUpdated, chat);
        }
    }
}
