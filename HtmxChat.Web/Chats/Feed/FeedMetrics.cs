using System.Diagnostics.Metrics;

namespace HtmxChat.Web.Chats.Feed;

public enum Transport
{
    Browser,
    Api,
    WebSocket,
}

/// <summary>The live feed's instruments, under the <c>HtmxChat</c> meter (exported by OpenTelemetry, see Telemetry).</summary>
public sealed class FeedMetrics
{
    public const string MeterName = "HtmxChat";

    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _published;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _gapFills;
    private readonly Counter<long> _laggardsCut;
    private readonly Histogram<double> _backplaneLag;
    private readonly Histogram<double> _sendDuration;
    private volatile int _backplaneConnected = -1;

    public FeedMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _open = meter.CreateUpDownCounter<long>("htmxchat.streams.open", "{connection}", "Open event streams and sockets, by transport.");
        _published = meter.CreateCounter<long>("htmxchat.changes.published", "{change}", "Chat changes published by this instance.");
        _deliveries = meter.CreateCounter<long>("htmxchat.deliveries", "{event}", "Events written to streams and sockets, by transport.");
        _gapFills = meter.CreateCounter<long>("htmxchat.gap_fills", "{fill}", "Times missing chat versions were read from the store to keep a feed in order.");
        _laggardsCut = meter.CreateCounter<long>("htmxchat.laggards_cut", "{connection}", "Readers disconnected for falling behind or not reading.");
        _backplaneLag = meter.CreateHistogram<double>("htmxchat.backplane.lag", "ms", "From publishing on one instance to receiving on another.");
        _sendDuration = meter.CreateHistogram<double>("htmxchat.send.duration", "ms", "Storing and publishing a message.");
        meter.CreateObservableGauge("htmxchat.backplane.connected", ObserveBackplane, "{state}", "1 while the Redis backplane is connected, 0 while it is not.");
    }

    public void StreamOpened(Transport transport) => _open.Add(1, Tag(transport));
    public void StreamClosed(Transport transport) => _open.Add(-1, Tag(transport));
    public void Published(ChangeKind kind) => _published.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));
    public void Delivered(Transport transport, int count) => _deliveries.Add(count, Tag(transport));
    public void GapFilled(string where) => _gapFills.Add(1, new KeyValuePair<string, object?>("where", where));

    public void LaggardCut(Transport transport, string reason) =>
        _laggardsCut.Add(1, Tag(transport), new KeyValuePair<string, object?>("reason", reason));

    public void BackplaneLag(TimeSpan lag) => _backplaneLag.Record(Math.Max(0, lag.TotalMilliseconds));
    public void SendTook(TimeSpan duration) => _sendDuration.Record(duration.TotalMilliseconds);
    public void BackplaneConnected(bool connected) => _backplaneConnected = connected ? 1 : 0;

    private IEnumerable<Measurement<int>> ObserveBackplane() =>
        _backplaneConnected < 0 ? [] : [new Measurement<int>(_backplaneConnected)];

    private static KeyValuePair<string, object?> Tag(Transport transport) => new("transport", transport switch
    {
        Transport.Browser => "browser",
        Transport.Api => "api",
        _ => "websocket",
    });
}
