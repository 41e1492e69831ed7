using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// A queue that many threads add to and one at a time runs: whoever adds and gets the turn runs it until it is empty,
/// so no thread sits waiting for work. Giving the turn back is the delicate part: work added while the turn was taken
/// was left for the runner, so after giving it back the runner looks at the queue again, with a full fence in between
/// (after a plain write that look could happen first), and takes the turn back if anything is there.
/// </summary>
internal sealed class RunQueue<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private int _taken;

    /// <summary>Adds an item; true when the caller got the turn and must run the queue.</summary>
    public bool Add(T item)
    {
        _items.Enqueue(item);
        return TryTake();
    }

    public bool TryDequeue([MaybeNullWhen(false)] out T item) => _items.TryDequeue(out item);

    /// <summary>Gives the turn back; true when work arrived meanwhile and the caller has the turn again.</summary>
    public bool GiveBack()
    {
        Interlocked.Exchange(ref _taken, 0);
        return !_items.IsEmpty && TryTake();
    }

    private bool TryTake() => Interlocked.CompareExchange(ref _taken, 1, 0) == 0;
}
