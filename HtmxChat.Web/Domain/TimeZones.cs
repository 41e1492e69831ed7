using System.Collections.Frozen;

namespace HtmxChat.Web.Domain;

public static class TimeZones
{
    public const string Default = "UTC";

    private static readonly Lazy<FrozenSet<string>> IanaIds = new(() =>
        TimeZoneInfo.GetSystemTimeZones()
            .Select(z => z.HasIanaId ? z.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(z.Id, out var iana) ? iana : null)
            .OfType<string>()
            .Append(Default)
            .ToFrozenSet(StringComparer.Ordinal));

    /// <summary>The IANA ids people can pick from, sorted.</summary>
    public static IReadOnlyList<string> All { get; } = [.. IanaIds.Value.Order(StringComparer.Ordinal)];

    public static bool IsKnown(string? id) => id is not null && IanaIds.Value.Contains(id);

    public static TimeZoneInfo Find(string? id) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
