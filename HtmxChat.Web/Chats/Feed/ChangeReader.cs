using System.Runtime.CompilerServices;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>Reads a chat's change feed from the store, which is the truth: catch-up after a reconnect, and gap filling.</summary>
public sealed class ChangeReader(IChatRepository chats)
{
    public const int PageSize = 100;

    public Task<Chat?> FindChatAsync(string chatId, CancellationToken ct) => chats.FindAsync(chatId, ct);

    /// <summary>
    /// Every change of <paramref name="chat"/> after <paramref name="afterVersion"/>, in version order, each changed item
    /// once in its current state (a message posted and then edited comes once, as posted, already edited).
    /// </summary>
    public async IAsyncEnumerable<ChatChange> ReadAsync(Chat chat, long afterVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        var detailsChanged = chat.DetailsVersion > afterVersion;
        var after = afterVersion;
        while (true)
        {
            var page = await chats.GetChangedMessagesAsync(chat.Id, after, PageSize, ct);
            foreach (var message in page.Messages)
            {
                if (detailsChanged && chat.DetailsVersion < message.Version)
                {
                    detailsChanged = false;
                    yield return new ChatChange(ChangeKind.ChatUpdated, chat);
                }
                yield return ChatChange.ForReaderAfter(afterVersion, chat, message);
                after = message.Version;
            }
            if (!page.HasMore)
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
