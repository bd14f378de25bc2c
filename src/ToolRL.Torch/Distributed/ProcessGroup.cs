using System.Runtime.InteropServices;
using System.Text;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.Distributed;

/// <summary>
/// A group of ranks (processes, possibly on several machines) running collectives on tensors through libtorch's
/// c10d, the engine of torch.distributed: the results equal a PyTorch rank's in the same group.
/// </summary>
/// <remarks>
/// Every rank must call the same collectives in the same order with tensors of the same shape and dtype. Each call
/// blocks until the collective completes; a peer that exited ("Connection closed by peer") or did not join within
/// <see cref="Timeout"/> raises a <see cref="DistributedException"/> instead of hanging. After such an error the
/// group is unusable (later collectives are refused): dispose it and end the process; disposing a failed group does not
/// wait for the collective still running inside gloo. Joining has its own, usually longer, timeout, so ranks that start
/// far apart still meet. Tensors must be contiguous (CPU for gloo, CUDA for NCCL).
/// </remarks>
public sealed class ProcessGroup : IDisposable
{
    /// <summary>torch.distributed's default collective timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    private IntPtr _handle;
    private readonly TcpStore _store;

    private ProcessGroup(IntPtr handle, TcpStore store, int rank, int worldSize, DistributedBackend backend, TimeSpan timeout)
    {
        _handle = handle;
        _store = store;
        Rank = rank;
        WorldSize = worldSize;
        Backend = backend;
        Timeout = timeout;
    }

    /// <summary>Releases the native group if it was never disposed.</summary>
    ~ProcessGroup() => Free();

    /// <summary>This process's rank in the group.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>The communication backend.</summary>
    public DistributedBackend Backend { get; }

    /// <summary>How long one collective (and joining) may wait for the other ranks before failing.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whether the bridge was built with c10d (gloo), and with NCCL.</summary>
    public static bool IsAvailable(DistributedBackend backend) => trl_dist_available() > (int)backend;

    /// <summary>
    /// Joins the group torchrun's variables describe (<see cref="DistributedEnvironment"/>): rank 0 hosts the TCP store
    /// unless the launcher does; blocks until all <see cref="DistributedEnvironment.WorldSize"/> ranks joined, at most
    /// <paramref name="joinTimeout"/> (default: <paramref name="timeout"/>); each collective then waits at most
    /// <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>).
    /// </summary>
    public static ProcessGroup Init(DistributedEnvironment environment, DistributedBackend backend = DistributedBackend.Gloo, TimeSpan? timeout = null,
        TimeSpan? joinTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var t = timeout ?? DefaultTimeout;
        CheckTimeout(t);
        var join = JoinTimeout(t, joinTimeout);
        var hostsStore = environment.IsRankZero && !environment.UseAgentStore;
        var store = hostsStore
            ? TcpStore.Host(environment.MasterPort, join)
            : TcpStore.Connect(environment.MasterAddress, environment.MasterPort, join);
        try
        {
            // On one machine every rank talks over loopback; across machines gloo binds the address this host's
            // name resolves to, or the interface GLOO_SOCKET_IFNAME names (as torch.distributed does).
            return Create(store, environment.Rank, environment.WorldSize, backend, t, environment.IsLoopback ? "127.0.0.1" : null, join);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Joins a group of <paramref name="worldSize"/> ranks meeting in <paramref name="store"/> (which the group then
    /// owns). <paramref name="glooAddress"/> is the address this rank listens on for gloo (null: the address this
    /// machine's hostname resolves to, or GLOO_SOCKET_IFNAME's interface). Joining waits at most
    /// <paramref name="joinTimeout"/> (default, and at least, <paramref name="timeout"/>) for the other ranks; each
    /// collective at most <paramref name="timeout"/>.
    /// </summary>
    public static unsafe ProcessGroup Create(TcpStore store, int rank, int worldSize, DistributedBackend backend, TimeSpan timeout, string? glooAddress = null,
        TimeSpan? joinTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        CheckTimeout(timeout);
        var join = JoinTimeout(timeout, joinTimeout);
        var address = glooAddress is null ? null : Encoding.UTF8.GetBytes(glooAddress + "\0");
        IntPtr handle;
        fixed (byte* a = address)
        {
            handle = trl_dist_group_new(store.Handle, rank, worldSize, (int)backend, (long)timeout.TotalMilliseconds, (long)join.TotalMilliseconds, a);
        }
        GC.KeepAlive(store);
        if (handle == IntPtr.Zero)
        {
            throw new DistributedException($"rank {rank} of {worldSize} could not join the {backend} process group within {join.TotalSeconds:0.#} s: {LastError()}");
        }
        return new ProcessGroup(handle, store, rank, worldSize, backend, timeout);
    }

    /// <summary>In place: <paramref name="tensor"/> becomes the element-wise <paramref name="op"/> over every rank's tensor.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        CheckDense(tensor);
        CheckStatus(trl_dist_all_reduce(Handle, tensor.Handle, (int)op));
        GC.KeepAlive(tensor);
    }

    /// <summary>In place: <paramref name="tensor"/> becomes rank <paramref name="root"/>'s tensor on every rank.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        CheckDense(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, WorldSize);
        CheckStatus(trl_dist_broadcast(Handle, tensor.Handle, root));
        GC.KeepAlive(tensor);
    }

    /// <summary>A new tensor <c>[WorldSize, ...tensor.Shape]</c> whose row r is rank r's <paramref name="tensor"/>.</summary>
    public Tensor AllGather(Tensor tensor)
    {
        CheckDense(tensor);
        var result = trl_dist_all_gather(Handle, tensor.Handle);
        GC.KeepAlive(tensor);
        return Tensor.Wrap(CheckHandle(result));
    }

    /// <summary>
    /// This rank's chunk of the reduction: <paramref name="tensor"/>'s dim 0 (a multiple of <see cref="WorldSize"/>)
    /// is reduced over ranks and split into <see cref="WorldSize"/> equal chunks; rank r receives chunk r.
    /// </summary>
    public Tensor ReduceScatter(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        CheckDense(tensor);
        if (tensor.Dim == 0 || tensor.Size(0) % WorldSize != 0)
        {
            throw new ArgumentException($"ReduceScatter: dim 0 of shape [{string.Join(", ", tensor.Shape)}] must be a multiple of the world size {WorldSize}", nameof(tensor));
        }
        var result = trl_dist_reduce_scatter(Handle, tensor.Handle, (int)op);
        GC.KeepAlive(tensor);
        return Tensor.Wrap(CheckHandle(result));
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => CheckStatus(trl_dist_barrier(Handle));

    /// <summary>Leaves the group (other ranks' later collectives then fail) and closes the store.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>The join timeout: the one given (never shorter than the collectives'), else the collectives'.</summary>
    private static TimeSpan JoinTimeout(TimeSpan timeout, TimeSpan? joinTimeout)
    {
        if (joinTimeout is { } join)
        {
            CheckTimeout(join);
            return join > timeout ? join : timeout;
        }
        return timeout;
    }

    internal static void CheckTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the timeout must be positive and under 24 days");
        }
    }

    internal static string LastError() => Marshal.PtrToStringUTF8(trl_last_error()) is { Length: > 0 } m ? m : "no message from libtorch";

    private static void CheckDense(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsContiguous)
        {
            throw new ArgumentException("collectives read and write the tensor's memory directly: pass a contiguous tensor (Contiguous())", nameof(tensor));
        }
    }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(ProcessGroup));

    internal void CheckStatus(int status)
    {
        GC.KeepAlive(this);
        if (status < 0)
        {
            throw Failure();
        }
    }

    internal IntPtr CheckHandle(IntPtr handle)
    {
        GC.KeepAlive(this);
        return handle != IntPtr.Zero ? handle : throw Failure();
    }

    private DistributedException Failure() =>
        new($"{LastError()} (a peer rank may have exited or stalled; this group's timeout is {Timeout.TotalSeconds:0.#} s)");

    private void Free()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            trl_dist_group_free(h);
            _store.Dispose();
        }
    }
}
