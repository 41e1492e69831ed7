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

    public Task<byte[]> GetAsync(TEvent source, TVariant variant, Func<Task<byte[]>> make) =>
        _frames.GetOrCreateValue(source).GetOrAdd(variant, _ => new Lazy<Task<byte[]>>(make)).Value;

    /// <summary>How many variants were made for this event: the fan-out's formatting cost.</summary>
    public int CountFor(TEvent source) => _frames.TryGetValue(source, out var made) ? made.Count : 0;
}
