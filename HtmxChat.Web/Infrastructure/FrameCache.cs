using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace HtmxChat.Web.Infrastructure;

/// <summary>
/// The bytes a transport writes for one event, made once by the first connection that needs them and reused by every
/// other (a fan-out to thousands of streams formats each variant once). Entries live as long as the event does.
/// </summary>
public sealed class FrameCache<TEvent, TVariant> where TEvent : class where TVariant : notnull
{
    private readonly ConditionalWeakTable<TEvent, ConcurrentDictionary<TVariant, Lazy<Task<byte[]>>>> _frames = [];

    /// <summary>
    /// The frame asked for last: a fan-out asks for the same event's same variant once per stream, one stream after
    /// another, so this answers nearly every ask without a table lookup.
    /// </summary>
    private volatile Last? _last;

    private sealed record Last(TEvent Source, TVariant Variant, Task<byte[]> Frame);

    public Task<byte[]> GetAsync(TEvent source, TVariant variant, Func<Task<byte[]>> make) =>
        GetAsync(source, variant, make, static make => make());

    /// <summary>
    /// As <see cref="GetAsync(TEvent, TVariant, Func{Task{byte[]}})"/>, with what <paramref name="make"/> needs passed in
    /// as <paramref name="state"/>: a static lambda then costs nothing on the path every stream takes (a capturing one
    /// is a closure and a delegate per stream, for a frame made once).
    /// </summary>
    public Task<byte[]> GetAsync<TState>(TEvent source, TVariant variant, TState state, Func<TState, Task<byte[]>> make)
    {
        if (_last is { } last && ReferenceEquals(last.Source, source) && EqualityComparer<TVariant>.Default.Equals(last.Variant, variant))
        {
            return last.Frame;
        }
        var frame = _frames.GetOrCreateValue(source)
            .GetOrAdd(variant, static (_, made) => new Lazy<Task<byte[]>>(() => made.make(made.state)), (state, make)).Value;
        _last = new Last(source, variant, frame);
        return frame;
    }

    /// <summary>How many variants were made for this event: the fan-out's formatting cost.</summary>
    public int CountFor(TEvent source) => _frames.TryGetValue(source, out var made) ? made.Count : 0;
}
