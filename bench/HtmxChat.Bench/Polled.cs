using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HtmxChat.Bench;

/// <summary>
/// The readers' side of the client on Linux: non-blocking sockets of its own (never registered with .NET's socket
/// engine) watched by one epoll thread, which reads every ready connection into one shared buffer and hands the bytes
/// to it. A delivery costs one <c>recv</c> and a share of one <c>epoll_wait</c>, with no thread-pool hop; .NET's
/// sockets cost a second <c>recv</c> per delivery (the next receive tries at once and finds nothing), a wake-up of the
/// engine's thread and a work item each, about 6 µs per delivery on the two cores the server also needs.
/// </summary>
public static unsafe class Polled
{
    public static bool Supported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private static readonly Lazy<Poller> Shared = new(() => new Poller());

    /// <summary>Starts a connect to <paramref name="server"/> from <paramref name="source"/>; the poller finishes it.</summary>
    public static PolledSocket Connect(IPEndPoint server, IPAddress? source, int? receiveBufferSize, IPolledOwner owner)
    {
        var fd = Native.socket(Native.AF_INET, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Error();
        }
        try
        {
            Set(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
            if (receiveBufferSize is { } size)
            {
                Set(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, size);
            }
            if (source is not null)
            {
                Set(fd, Native.IPPROTO_IP, Native.IP_BIND_ADDRESS_NO_PORT, 1);
                var from = Address(new IPEndPoint(source, 0));
                if (Native.bind(fd, ref from, sizeof(SockAddrIn)) < 0)
                {
                    throw Error();
                }
            }
            var to = Address(server);
            if (Native.connect(fd, ref to, sizeof(SockAddrIn)) < 0 && Marshal.GetLastPInvokeError() != Native.EINPROGRESS)
            {
                throw Error();
            }
        }
        catch
        {
            Native.close(fd);
            throw;
        }
        var socket = new PolledSocket(fd, owner, Shared.Value);
        socket.Watch(Native.EPOLLOUT);
        return socket;
    }

    private static void Set(int fd, int level, int name, int value)
    {
        if (Native.setsockopt(fd, level, name, ref value, sizeof(int)) < 0)
        {
            throw Error();
        }
    }

    private static SockAddrIn Address(IPEndPoint endpoint)
    {
        var address = new SockAddrIn { Family = Native.AF_INET, Port = (ushort)IPAddress.HostToNetworkOrder((short)endpoint.Port) };
        endpoint.Address.TryWriteBytes(new Span<byte>(&address.Address, 4), out _);
        return address;
    }

    internal static SocketException Error(int? errno = null) => new(errno ?? Marshal.GetLastPInvokeError());

    /// <summary>The epoll thread: one shared read buffer, every ready connection read once per wake-up.</summary>
    internal sealed class Poller
    {
        private readonly int _epoll;
        private readonly object _registry = new();
        private PolledSocket?[] _sockets = new PolledSocket?[1024];
        private readonly Stack<int> _freeSlots = new();
        private int _nextSlot;

        public Poller()
        {
            _epoll = Native.epoll_create1(Native.EPOLL_CLOEXEC);
            if (_epoll < 0)
            {
                throw Error();
            }
            new Thread(Run) { IsBackground = true, Name = "bench poller" }.Start();
        }

        public int Add(PolledSocket socket)
        {
            lock (_registry)
            {
                var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
                if (slot == _sockets.Length)
                {
                    var grown = new PolledSocket?[slot * 2];
                    _sockets.CopyTo(grown, 0);
                    Volatile.Write(ref _sockets, grown);
                }
                _sockets[slot] = socket;
                return slot;
            }
        }

        public void Remove(int slot)
        {
            lock (_registry)
            {
                _sockets[slot] = null;
                _freeSlots.Push(slot);
            }
        }

        public void Control(int operation, int fd, uint events, ulong data)
        {
            var watch = new EpollEvent { Events = events, Data = data };
            if (Native.epoll_ctl(_epoll, operation, fd, ref watch) < 0 && operation != Native.EPOLL_CTL_DEL)
            {
                throw Error();
            }
        }

        private void Run()
        {
            const int batch = 512;
            var events = stackalloc EpollEvent[batch];
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var ready = Native.epoll_wait(_epoll, events, batch, -1);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Native.EINTR)
                    {
                        continue;
                    }
                    throw Error();
                }
                var sockets = Volatile.Read(ref _sockets);
                for (var i = 0; i < ready; i++)
                {
                    var slot = (int)(events[i].Data >> 32);
                    if (slot < sockets.Length && sockets[slot] is { } socket)
                    {
                        socket.Ready((uint)events[i].Data, events[i].Events, buffer);
                    }
                }
            }
        }
    }
}

/// <summary>What a polled socket tells the connection that owns it.</summary>
public interface IPolledOwner
{
    /// <summary>The connect finished (null) or failed.</summary>
    void Connected(PolledSocket socket, SocketException? error);

    /// <summary>Bytes came; false to stop reading until <see cref="PolledSocket.Resume"/>.</summary>
    bool Received(ReadOnlySpan<byte> bytes);

    /// <summary>The server closed the connection, or it failed.</summary>
    void Ended();
}

/// <summary>One non-blocking socket of <see cref="Polled"/>: the poller calls its owner, anyone may close it.</summary>
public sealed class PolledSocket
{
    private readonly object _gate = new();
    private readonly IPolledOwner _owner;
    private readonly Polled.Poller _poller;
    private readonly int _slot;
    // Slots are reused: an event read just before a socket was closed must not reach the next socket in its slot.
    private readonly uint _id = (uint)Interlocked.Increment(ref s_lastId);
    private static int s_lastId;
    private int _fd;
    private bool _connecting = true;

    internal PolledSocket(int fd, IPolledOwner owner, Polled.Poller poller)
    {
        (_fd, _owner, _poller) = (fd, owner, poller);
        _slot = poller.Add(this);
    }

    private ulong Data => (ulong)(uint)_slot << 32 | _id;

    internal void Watch(uint events)
    {
        lock (_gate)
        {
            if (_fd >= 0)
            {
                _poller.Control(Native.EPOLL_CTL_ADD, _fd, events, Data);
            }
        }
    }

    /// <summary>Reads again after the owner said stop.</summary>
    public void Resume() => Watch(Native.EPOLLIN | Native.EPOLLRDHUP);

    /// <summary>Sends all of <paramref name="bytes"/> (a request, a handshake: small, so the socket buffer takes them).</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        while (bytes.Length > 0)
        {
            var sent = Send(bytes.Span);
            if (sent < 0)
            {
                await Task.Delay(1, ct);
                continue;
            }
            bytes = bytes[sent..];
        }
    }

    /// <summary>Bytes sent, or -1 when the socket buffer is full.</summary>
    public unsafe int Send(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_fd < 0)
            {
                throw new ObjectDisposedException(nameof(PolledSocket));
            }
            fixed (byte* data = bytes)
            {
                var sent = Native.send(_fd, data, bytes.Length, Native.MSG_NOSIGNAL | Native.MSG_DONTWAIT);
                if (sent >= 0)
                {
                    return (int)sent;
                }
                var error = Marshal.GetLastPInvokeError();
                return error == Native.EAGAIN ? -1 : throw Polled.Error(error);
            }
        }
    }

    /// <summary>For a connection that never read: drains what waits, and says whether the server has closed it.</summary>
    public unsafe bool ClosedByServer()
    {
        var sink = stackalloc byte[65536];
        lock (_gate)
        {
            while (_fd >= 0)
            {
                var read = Native.recv(_fd, sink, 65536, Native.MSG_DONTWAIT);
                if (read == 0)
                {
                    return true;
                }
                if (read < 0)
                {
                    return Marshal.GetLastPInvokeError() != Native.EAGAIN;
                }
            }
            return true;
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            Release();
        }
    }

    private void Release()
    {
        if (_fd < 0)
        {
            return;
        }
        _poller.Control(Native.EPOLL_CTL_DEL, _fd, 0, 0);
        Native.close(_fd);
        _fd = -1;
        _poller.Remove(_slot);
    }

    internal unsafe void Ready(uint id, uint events, byte[] buffer)
    {
        SocketException? failed = null;
        lock (_gate)
        {
            if (id != _id || _fd < 0)
            {
                return;
            }
            if (_connecting)
            {
                int error, length = sizeof(int);
                Native.getsockopt(_fd, Native.SOL_SOCKET, Native.SO_ERROR, out error, ref length);
                if (error != 0)
                {
                    failed = Polled.Error(error);
                    Release();
                }
                else
                {
                    _connecting = false;
                    _poller.Control(Native.EPOLL_CTL_MOD, _fd, Native.EPOLLIN | Native.EPOLLRDHUP, Data);
                }
            }
            else
            {
                fixed (byte* data = buffer)
                {
                    var read = Native.recv(_fd, data, buffer.Length, Native.MSG_DONTWAIT);
                    if (read > 0)
                    {
                        if (!_owner.Received(buffer.AsSpan(0, (int)read)))
                        {
                            _poller.Control(Native.EPOLL_CTL_DEL, _fd, 0, 0);
                        }
                        return;
                    }
                    if (read < 0 && Marshal.GetLastPInvokeError() is Native.EAGAIN or Native.EINTR)
                    {
                        return;
                    }
                    Release();
                }
                _owner.Ended();
                return;
            }
        }
        _owner.Connected(this, failed);
    }
}

[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrIn
{
    public ushort Family;
    public ushort Port;
    public uint Address;
    public fixed byte Zero[8];
}

internal static unsafe class Native
{
    public const int AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_ERROR = 4, SO_RCVBUF = 8, IPPROTO_IP = 0, IPPROTO_TCP = 6, TCP_NODELAY = 1, IP_BIND_ADDRESS_NO_PORT = 24;
    public const int EINTR = 4, EAGAIN = 11, EINPROGRESS = 115;
    public const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000;
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLRDHUP = 0x2000;

    [DllImport("libc", SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
    [DllImport("libc", SetLastError = true)] public static extern int setsockopt(int fd, int level, int name, ref int value, int length);
    [DllImport("libc", SetLastError = true)] public static extern int getsockopt(int fd, int level, int name, out int value, ref int length);
    [DllImport("libc", SetLastError = true)] public static extern int bind(int fd, ref SockAddrIn address, int length);
    [DllImport("libc", SetLastError = true)] public static extern int connect(int fd, ref SockAddrIn address, int length);
    [DllImport("libc", SetLastError = true)] public static extern nint send(int fd, byte* data, nint length, int flags);
    [DllImport("libc", SetLastError = true)] public static extern nint recv(int fd, byte* data, nint length, int flags);
    [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] public static extern int epoll_create1(int flags);
    [DllImport("libc", SetLastError = true)] public static extern int epoll_ctl(int epoll, int operation, int fd, ref EpollEvent watch);
    [DllImport("libc", SetLastError = true)] public static extern int epoll_wait(int epoll, EpollEvent* events, int max, int timeout);
}
