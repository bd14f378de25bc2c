using System.Text;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.Distributed;

/// <summary>
/// libtorch's TCPStore: the key-value rendezvous where a <see cref="ProcessGroup"/>'s ranks find each other. One
/// process hosts it (rank 0, or a launcher as torchrun's agent does) and every rank connects to it.
/// </summary>
/// <remarks>
/// The host listens on all network interfaces (libtorch's TCPStore offers no bind address); clients retry
/// connecting until the timeout, so ranks may start in any order.
/// </remarks>
public sealed class TcpStore : IDisposable
{
    private IntPtr _handle;

    private TcpStore(IntPtr handle) => _handle = handle;

    /// <summary>Releases the native store if it was never disposed.</summary>
    ~TcpStore() => Free();

    /// <summary>
    /// Hosts a store on <paramref name="port"/> (0: a free port the system picks; read it from <see cref="Port"/>). The
    /// host process is also a client of its own store, over loopback.
    /// </summary>
    public static TcpStore Host(int port, TimeSpan timeout) => Open("127.0.0.1", port, isServer: true, timeout);

    /// <summary>Connects to the store hosted at <paramref name="host"/>:<paramref name="port"/>, retrying until <paramref name="timeout"/>.</summary>
    public static TcpStore Connect(string host, int port, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        return Open(host, port, isServer: false, timeout);
    }

    /// <summary>The port the store listens on (for a host opened on port 0, the one the system picked).</summary>
    public int Port
    {
        get
        {
            var port = trl_dist_store_port(Handle);
            GC.KeepAlive(this);
            return port;
        }
    }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(TcpStore));

    /// <summary>Closes this process's end (a hosted store stops serving once no process group uses it).</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private static unsafe TcpStore Open(string host, int port, bool isServer, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ProcessGroup.CheckTimeout(timeout);
        var bytes = Encoding.UTF8.GetBytes(host + "\0");
        IntPtr handle;
        fixed (byte* h = bytes)
        {
            handle = trl_dist_store_new(h, port, isServer ? 1 : 0, (long)timeout.TotalMilliseconds);
        }
        if (handle == IntPtr.Zero)
        {
            var what = isServer ? $"hosting the TCP store on port {port}" : $"connecting to the TCP store at {host}:{port}";
            throw new DistributedException($"{what} failed: {ProcessGroup.LastError()}");
        }
        return new TcpStore(handle);
    }

    private void Free()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            trl_dist_store_free(h);
        }
    }
}
