using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HtmxChat.Web.Domain;
using HtmxChat.Web.Storage;

namespace HtmxChat.Web.Chats.Feed;

/// <summary>
/// Reads a chat's change feed from the store, which is the truth: catch-up after a reconnect, and gap filling.
/// <para>
/// After a restart every client of a chat resumes from nearly the same version at nearly the same time. A short
/// catch-up is therefore read once and shared: the changes of a chat after version A up to version V are the same for
/// everyone (every change bumps the version, so V fixes them), and sharing the same change objects also lets each
/// transport format each of them once (<see cref="Infrastructure.FrameCache{TEvent, TVariant}"/>).
/// </para>
/// </summary>
public sealed class ChangeReader(IChatRepository chats)
{
    public const int PageSize = 100;

    /// <summary>Catch-ups spanning at most this many versions are shared; longer ones are rare and streamed page by page.</summary>
    public const int SharedCatchUpVersions = 200;

    private const int MaxSharedCatchUps = 256;

    private readonly ConcurrentDictionary<(string ChatId, long After, long Version), Lazy<Task<ChatChange[]>>> _shared = new();

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
        await foreach (var change in ReadAsync(chat, afterVersion, ct))
        {
            yield return change;
        }
    }

    /// <summary>
    /// As <see cref="ReadAsync(string, long, CancellationToken)"/>, for a client catching up: a short catch-up is shared
    /// with the others catching up from the same version to the same version. Only on a store where a version becomes
    /// visible with its row (<see cref="IChatRepository.VersionsCommitWithTheirRows"/>): elsewhere a read can miss a
    /// row that is about to appear, which the reader then gets live, but a later reader sharing the read would not.
    /// </summary>
    public async IAsyncEnumerable<ChatChange> CatchUpAsync(string chatId, long afterVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        if (await chats.FindAsync(chatId, ct) is not { } chat)
        {
            yield break;
        }
        if (chats.VersionsCommitWithTheirRows && chat.Version - afterVersion is > 0 and <= SharedCatchUpVersions)
        {
            foreach (var change in await SharedAsync(chat, afterVersion).WaitAsync(ct))
            {
                yield return change;
            }
            yield break;
        }
        await foreach (var change in ReadAsync(chat, afterVersion, ct))
        {
            yield return change;
        }
    }

    private Task<ChatChange[]> SharedAsync(Chat chat, long afterVersion)
    {
        if (_shared.Count >= MaxSharedCatchUps)
        {
            _shared.Clear();
        }
        var key = (chat.Id, afterVersion, chat.Version);
        return _shared.GetOrAdd(key, _ => new Lazy<Task<ChatChange[]>>(() => ReadSharedAsync(key, chat, afterVersion))).Value;
    }

    private async Task<ChatChange[]> ReadSharedAsync((string, long, long) key, Chat chat, long afterVersion)
    {
        try
        {
            var changes = new List<ChatChange>();
            // Not the first reader's token: the others wait on the same read.
            await foreach (var change in ReadAsync(chat, afterVersion, CancellationToken.None))
            {
                changes.Add(change);
            }
            return [.. changes];
        }
        catch
        {
            _shared.TryRemove(key, out _);
            throw;
        }
    }

    private async IAsyncEnumerable<ChatChange> ReadAsync(Chat chat, long afterVersion, [EnumeratorCancellation] CancellationToken ct)
    {
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
