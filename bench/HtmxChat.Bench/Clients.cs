using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HtmxChat.Bench;

/// <summary>
/// Every delivery of every message to every connection: when it came (microseconds after its send began), whether it
/// came twice, and whether a connection saw messages out of their order. One flat array, no objects per delivery.
/// </summary>
public sealed class Deliveries(int connections, int messages)
{
    private readonly int[] _latencyMicros = new int[connections * messages];
    private readonly int[] _received = new int[messages + 1];
    private int _duplicates;
    private int _outOfOrder;

    public int Connections => connections;
    public int Messages => messages;

    /// <summary>Stopwatch timestamps of each message's send, by message number (1-based).</summary>
    public long[] SentAt { get; } = new long[messages + 1];

    public int Duplicates => Volatile.Read(ref _duplicates);
    public int OutOfOrder => Volatile.Read(ref _outOfOrder);

    public int ReceivedCount(int message) => Volatile.Read(ref _received[message]);

    public long Delivered => _received.Sum(r => (long)r);

    public void Record(int connection, int message, long now)
    {
        if (message < 1 || message > messages)
        {
            return;
        }
        var slot = connection * messages + message - 1;
        if (_latencyMicros[slot] != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        var sent = Volatile.Read(ref SentAt[message]);
        _latencyMicros[slot] = Math.Max(1, (int)Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds);
        Interlocked.Increment(ref _received[message]);
    }

    public void OutOfOrderSeen() => Interlocked.Increment(ref _outOfOrder);

    public int[] Latencies() => [.. _latencyMicros.Where(l => l != 0)];

    /// <summary>What one connection received.</summary>
    public int[] LatenciesOf(int connection) => [.. _latencyMicros.AsSpan(connection * messages, messages).ToArray().Where(l => l != 0)];
}

/// <summary>
/// One connection on a raw socket: connects, writes its request, checks the answer's head, then hands every body byte
/// to <see cref="OnBody"/>. On Linux the socket is <see cref="Polled"/> (one epoll thread reads every connection);
/// elsewhere it is a .NET socket with a receive loop of its own. A few kilobytes per connection either way.
/// </summary>
public abstract class RawConnection(int index, Deliveries deliveries) : IPolledOwner
{
    /// <summary>A socket receive buffer this small (no autotuning): a connection that stops reading pushes back on the server at once.</summary>
    public int? ReceiveBufferSize { get; init; }

    private readonly byte[] _head = new byte[4096];
    private int _headFilled;
    private bool _inHead;
    private string _expectedStatus = "";
    private byte[] _request = [];
    private TaskCompletionSource<bool>? _opening;
    private TaskCompletionSource? _reading;
    private PolledSocket? _polled;
    private Socket? _socket;
    private long _lastSeq;
    private long? _fragmentSeq;

    protected int Index => index;

    /// <summary>Connects and reads the answer's head; true when it is the one expected.</summary>
    public async Task<bool> OpenAsync(EndPoint server, string request, string expectedStatus, CancellationToken ct)
    {
        Close();
        Reset();
        (_headFilled, _inHead, _expectedStatus, _request) = (0, true, expectedStatus, Encoding.ASCII.GetBytes(request));
        var opening = _opening = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = ct.Register(Close);
        if (Polled.Supported && server is IPEndPoint to)
        {
            _polled = Polled.Connect(to, LoopbackSource(server), ReceiveBufferSize, this);
            return await opening.Task;
        }

        var socket = _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (ReceiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        if (LoopbackSource(server) is { } source)
        {
            const int ipBindAddressNoPort = 24;
            socket.SetRawSocketOption((int)SocketOptionLevel.IP, ipBindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
        }
        await socket.ConnectAsync(server, ct);
        await socket.SendAsync(_request, SocketFlags.None, ct);
        var buffer = new byte[4096];
        while (!opening.Task.IsCompleted)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0)
            {
                return false;
            }
            Take(buffer.AsSpan(0, read));
        }
        return await opening.Task;
    }

    /// <summary>
    /// Real crowds come from many addresses; from one, every connect to the same server searches the ephemeral ports
    /// for a free one, and with thousands in use that search in the kernel took most of this client's CPU during a
    /// reconnect storm (80% of its samples in <c>__inet_hash_connect</c>), starving the server beside it. On Linux
    /// each connection therefore leaves from one of 64 loopback addresses (all of 127/8 is local), with the port still
    /// picked at connect (<c>IP_BIND_ADDRESS_NO_PORT</c>), so each address holds a few hundred ports at most.
    /// </summary>
    private IPAddress? LoopbackSource(EndPoint server) =>
        OperatingSystem.IsLinux() && server is IPEndPoint { Address: var address } && IPAddress.IsLoopback(address)
            && address.AddressFamily == AddressFamily.InterNetwork
            ? new IPAddress([127, 0, 1, (byte)(1 + index % LoopbackSources)])
            : null;

    private const int LoopbackSources = 64;

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (_polled is { } polled)
        {
            await polled.SendAsync(bytes, ct);
            return;
        }
        await _socket!.SendAsync(bytes, SocketFlags.None, ct);
    }

    /// <summary>Reads until the server closes or <paramref name="ct"/> fires.</summary>
    public async Task ReadAsync(CancellationToken ct)
    {
        if (_polled is { } polled)
        {
            var reading = _reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var cancel = ct.Register(Close);
            polled.Resume();
            await reading.Task;
            return;
        }
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket!.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    return;
                }
                OnBody(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// For a connection that never read: drains what is waiting without blocking and says whether the server has
    /// closed it (an end of stream or a reset), which is how it lets go of a reader that stopped reading.
    /// </summary>
    public bool ClosedByServer()
    {
        if (_polled is { } polled)
        {
            return polled.ClosedByServer();
        }
        _socket!.Blocking = false;
        var sink = new byte[65536];
        try
        {
            while (true)
            {
                if (_socket.Receive(sink) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public void Close()
    {
        _polled?.Close();
        _socket?.Dispose();
        _opening?.TrySetResult(false);
        _reading?.TrySetResult();
    }

    void IPolledOwner.Connected(PolledSocket socket, SocketException? error)
    {
        if (error is not null)
        {
            _opening!.TrySetException(error);
        }
        else if (socket.Send(_request) != _request.Length)
        {
            _opening!.TrySetException(new IOException("The request did not fit the socket's buffer."));
        }
    }

    bool IPolledOwner.Received(ReadOnlySpan<byte> bytes) => Take(bytes);

    void IPolledOwner.Ended()
    {
        _opening?.TrySetResult(false);
        _reading?.TrySetResult();
    }

    /// <summary>The answer's head first, then the body: false once the head is done, so that reading waits for <see cref="ReadAsync"/>.</summary>
    private bool Take(ReadOnlySpan<byte> bytes)
    {
        if (!_inHead)
        {
            OnBody(bytes);
            return true;
        }
        var room = Math.Min(bytes.Length, _head.Length - _headFilled);
        bytes[..room].CopyTo(_head.AsSpan(_headFilled));
        _headFilled += room;
        var end = _head.AsSpan(0, _headFilled).IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (_headFilled < _head.Length)
            {
                return true;
            }
            _inHead = false;
            _opening!.TrySetResult(false);
            return false;
        }
        _inHead = false;
        var head = Encoding.ASCII.GetString(_head, 0, end);
        if (!head.StartsWith(_expectedStatus, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"connection {index}: {head.Split('\r')[0]}");
            _opening!.TrySetResult(false);
            return false;
        }
        OnHead(head);
        OnBody(_head.AsSpan(end + 4, _headFilled - end - 4));
        OnBody(bytes[room..]);
        _opening!.TrySetResult(true);
        return false;
    }

    protected virtual void OnHead(string head)
    {
    }

    /// <summary>Forgets what was half-read on the previous connection, before a new one.</summary>
    protected virtual void Reset()
    {
    }

    protected abstract void OnBody(ReadOnlySpan<byte> bytes);

    /// <summary>
    /// A message arrived: the number in its text (<c>m{n}</c>) says which, and its <c>seq</c> (the server's order)
    /// must be above the one before: messages sent at once may be stored in either order, but every connection must
    /// see them in the same one.
    /// </summary>
    private static ReadOnlySpan<byte> FragmentStart => "<article class=\"message\" id=\"m-"u8;
    private static ReadOnlySpan<byte> FragmentText => "<p class=\"message-text mb-0\">m"u8;

    /// <remarks>
    /// A browser's stream carries the message as an HTML fragment over several <c>data:</c> lines: its seq on the
    /// article's line, its text on a later one.
    /// </remarks>
    protected void Arrived(ReadOnlySpan<byte> record)
    {
        var articleAt = record.IndexOf(FragmentStart);
        if (articleAt >= 0 && Utf8Parser.TryParse(record[(articleAt + FragmentStart.Length)..], out long fragmentSeq, out _))
        {
            _fragmentSeq = fragmentSeq;
            return;
        }
        long? seq = null;
        int message;
        var at = record.IndexOf("\"content\":\"m"u8);
        if (at >= 0 && Utf8Parser.TryParse(record[(at + 12)..], out message, out _))
        {
            var seqAt = record.IndexOf("\"seq\":"u8);
            if (seqAt >= 0 && Utf8Parser.TryParse(record[(seqAt + 6)..], out long jsonSeq, out _))
            {
                seq = jsonSeq;
            }
        }
        else if ((at = record.IndexOf(FragmentText)) >= 0 && Utf8Parser.TryParse(record[(at + FragmentText.Length)..], out message, out _))
        {
            seq = _fragmentSeq;
        }
        else
        {
            return;
        }
        if (seq is { } order)
        {
            if (order <= _lastSeq)
            {
                deliveries.OutOfOrderSeen();
            }
            _lastSeq = order;
        }
        deliveries.Record(index, message, Stopwatch.GetTimestamp());
    }
}

/// <summary>An HTTP/1.1 event stream (HtmxChat's API stream), chunked or not; each <c>data:</c> line is looked at once.</summary>
public sealed class EventStreamConnection(int index, Deliveries deliveries) : RawConnection(index, deliveries)
{
    private readonly Delimited _lines = new((byte)'\n');
    private bool _chunked;
    private ChunkState _state = ChunkState.Size;
    private long _chunkSize;
    private long _chunkLeft;

    private enum ChunkState { Size, SizeExtension, Data, DataEnd }

    /// <summary>The id of the last event with one: what a reconnecting EventSource sends as <c>Last-Event-ID</c>.</summary>
    public long LastEventId { get; private set; }

    /// <param name="cookie">A browser's sign-in cookie (<c>name=value</c>), for HtmxChat's browser stream.</param>
    public static string Request(string path, string? token, long? lastEventId = null, string? cookie = null) =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (token is null ? "" : $"Authorization: Bearer {token}\r\n") +
        (cookie is null ? "" : $"Cookie: {cookie}\r\n") + "Accept: text/event-stream\r\n" +
        (lastEventId is { } id ? $"Last-Event-ID: {id}\r\n" : "") + "\r\n";

    protected override void Reset()
    {
        _lines.Clear();
        (_state, _chunkSize, _chunkLeft) = (ChunkState.Size, 0, 0);
    }

    protected override void OnHead(string head) => _chunked = head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase);

    protected override void OnBody(ReadOnlySpan<byte> bytes)
    {
        if (!_chunked)
        {
            _lines.Feed(bytes, Line);
            return;
        }
        while (bytes.Length > 0)
        {
            switch (_state)
            {
                case ChunkState.Size or ChunkState.SizeExtension:
                    var b = bytes[0];
                    bytes = bytes[1..];
                    if (b == '\n')
                    {
                        (_chunkLeft, _chunkSize, _state) = (_chunkSize, 0, ChunkState.Data);
                    }
                    else if (b == ';')
                    {
                        _state = ChunkState.SizeExtension;
                    }
                    else if (_state == ChunkState.Size && HexValue(b) is >= 0 and var digit)
                    {
                        _chunkSize = _chunkSize * 16 + digit;
                    }
                    break;
                case ChunkState.Data:
                    var take = (int)Math.Min(_chunkLeft, bytes.Length);
                    _lines.Feed(bytes[..take], Line);
                    bytes = bytes[take..];
                    _chunkLeft -= take;
                    if (_chunkLeft == 0)
                    {
                        _state = ChunkState.DataEnd;
                    }
                    break;
                case ChunkState.DataEnd:
                    if (bytes[0] == '\n')
                    {
                        _state = ChunkState.Size;
                    }
                    bytes = bytes[1..];
                    break;
            }
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private void Line(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("data: "u8))
        {
            Arrived(line);
        }
        else if (line.StartsWith("id: "u8) && Utf8Parser.TryParse(line[4..], out long id, out _))
        {
            LastEventId = id;
        }
    }
}

/// <summary>A SignalR client over a raw WebSocket (JSON protocol): the handshake, then each invocation record looked at once.</summary>
public sealed class SignalRConnection(int index, Deliveries deliveries) : RawConnection(index, deliveries)
{
    private readonly byte[] _header = new byte[10];
    private int _headerLength;
    private long _payloadLeft;
    private readonly Delimited _records = new(0x1E);

    /// <summary>True once the server has answered the protocol handshake.</summary>
    public bool Ready { get; private set; }

    public static string Request(string path) =>
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nSec-WebSocket-Version: 13\r\n\r\n";

    /// <summary>The JSON protocol handshake as a masked text frame, as every client frame must be.</summary>
    public static byte[] Handshake()
    {
        var payload = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
        var mask = new byte[] { 0x12, 0x34, 0x56, 0x78 };
        var frame = new byte[2 + 4 + payload.Length];
        frame[0] = 0x81;
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    protected override void OnBody(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            if (_payloadLeft == 0)
            {
                _header[_headerLength++] = bytes[0];
                bytes = bytes[1..];
                var needed = _headerLength < 2 ? 2 : (_header[1] & 0x7F) switch { 126 => 4, 127 => 10, _ => 2 };
                if (_headerLength < needed)
                {
                    continue;
                }
                _payloadLeft = (_header[1] & 0x7F) switch
                {
                    126 => (_header[2] << 8) | _header[3],
                    127 => (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)),
                    var length => length,
                };
                _headerLength = 0;
                continue;
            }
            var take = (int)Math.Min(_payloadLeft, bytes.Length);
            _records.Feed(bytes[..take], Record);
            bytes = bytes[take..];
            _payloadLeft -= take;
        }
    }

    private void Record(ReadOnlySpan<byte> record)
    {
        if (record.SequenceEqual("{}"u8))
        {
            Ready = true;
        }
        else if (record.IndexOf("\"target\":\"message\""u8) >= 0)
        {
            Arrived(record);
        }
    }
}

public delegate void RecordHandler(ReadOnlySpan<byte> record);

/// <summary>
/// Bytes gathered into records ended by one delimiter (an SSE line, a SignalR message), each handed on once whole.
/// A record longer than the buffer keeps only its start, which is where the fields looked at are.
/// </summary>
public sealed class Delimited(byte delimiter)
{
    private readonly byte[] _buffer = new byte[4096];
    private int _length;

    public void Clear() => _length = 0;

    public void Feed(ReadOnlySpan<byte> bytes, RecordHandler onRecord)
    {
        while (bytes.Length > 0)
        {
            var end = bytes.IndexOf(delimiter);
            var part = end < 0 ? bytes : bytes[..end];
            var room = Math.Min(part.Length, _buffer.Length - _length);
            part[..room].CopyTo(_buffer.AsSpan(_length));
            _length += room;
            if (end < 0)
            {
                return;
            }
            onRecord(_buffer.AsSpan(0, _length));
            _length = 0;
            bytes = bytes[(end + 1)..];
        }
    }
}

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends requests (JSON POSTs, GETs) and reads each answer whole
/// (Content-Length or chunked): a raw socket and two buffers, so the client's cost per request stays far below the
/// server's.
/// </summary>
public sealed class RawClient(EndPoint server, string token) : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private byte[] _buffer = new byte[8192];
    private byte[] _body = new byte[4096];
    private readonly byte[] _request = new byte[8192];

    public Task ConnectAsync() => _socket.ConnectAsync(server);

    /// <summary>The answer's status and body; the body is good until the next call.</summary>
    public async Task<(int Status, ReadOnlyMemory<byte> Body)> PostAsync(string path, ReadOnlyMemory<byte> json)
    {
        var head = Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {json.Length}\r\n\r\n",
            _request);
        json.CopyTo(_request.AsMemory(head));
        return await ExchangeAsync(head + json.Length);
    }

    public async Task<(int Status, ReadOnlyMemory<byte> Body)> GetAsync(string path) =>
        await ExchangeAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n", _request));

    private async Task<(int Status, ReadOnlyMemory<byte> Body)> ExchangeAsync(int requestLength)
    {
        await _socket.SendAsync(_request.AsMemory(0, requestLength), SocketFlags.None);

        var filled = 0;
        while (true)
        {
            if (filled == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }
            filled += read;
            if (Complete(_buffer.AsSpan(0, filled)) is { } answer)
            {
                return answer;
            }
        }
    }

    /// <summary>The answer, when <paramref name="received"/> holds all of it.</summary>
    private (int Status, ReadOnlyMemory<byte> Body)? Complete(ReadOnlySpan<byte> received)
    {
        var headEnd = received.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return null;
        }
        Utf8Parser.TryParse(received[9..], out int status, out _);
        var head = received[..headEnd];
        var rest = received[(headEnd + 4)..];
        var lengthAt = head.IndexOf("Content-Length: "u8);
        if (lengthAt >= 0)
        {
            Utf8Parser.TryParse(head[(lengthAt + 16)..], out int length, out _);
            if (rest.Length < length)
            {
                return null;
            }
            return (status, _buffer.AsMemory(headEnd + 4, length));
        }
        if (head.IndexOf("Transfer-Encoding: chunked"u8) < 0)
        {
            return (status, ReadOnlyMemory<byte>.Empty);
        }
        var bodyLength = 0;
        while (true)
        {
            var lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd < 0 || !Utf8Parser.TryParse(rest[..lineEnd], out int size, out _, 'x'))
            {
                return null;
            }
            if (rest.Length < lineEnd + 2 + size + 2)
            {
                return null;
            }
            if (size == 0)
            {
                return (status, _body.AsMemory(0, bodyLength));
            }
            if (_body.Length < bodyLength + size)
            {
                Array.Resize(ref _body, Math.Max(_body.Length * 2, bodyLength + size));
            }
            rest.Slice(lineEnd + 2, size).CopyTo(_body.AsSpan(bodyLength));
            bodyLength += size;
            rest = rest[(lineEnd + 2 + size + 2)..];
        }
    }

    public void Dispose() => _socket.Dispose();
}
