using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

/// <summary>
/// A libtorch tensor: an owned reference to a native at::Tensor. Dispose it (or let a <see cref="TensorScope"/>
/// do so); a finalizer is only a safety net. Every operation returns a NEW tensor handle (views share
/// storage with their source, as in PyTorch), registered with the thread's current scope.
/// </summary>
/// <remarks>
/// The safety net is a separate <see cref="TensorFinalizer"/>, created only for tensors that no scope owns
/// (made outside any scope, or moved/detached out of every scope). A scope-owned tensor needs none: its scope
/// disposes it, and an undisposed scope's own finalizer hands it a safety net. Allocating a finalizable object
/// costs about 50 ns in .NET (slow allocation path + finalization-queue registration), which was the largest
/// managed cost of a small op inside a scope.
/// </remarks>
public partial class Tensor : IDisposable
{
    private IntPtr _handle;

    /// <summary>The finalizable object that frees the handle if this tensor is dropped undisposed, or null while a scope owns it.</summary>
    private TensorFinalizer? _finalizer;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? OwningScope;

    /// <summary>Takes ownership of a native handle; registers with the current scope unless <paramref name="scoped"/> is false.</summary>
    internal Tensor(IntPtr handle, bool scoped = true)
    {
        _handle = handle;
        if (!scoped || !TensorScope.Register(this))
        {
            _finalizer = new TensorFinalizer(this);
        }
    }

    /// <summary>Wraps a handle returned by the bridge, throwing libtorch's error when it is null.</summary>
    internal static Tensor Wrap(IntPtr handle) => new(Check(handle));

    /// <summary>Gives this tensor a finalizer safety net when no scope owns it any more (no-op if it has one or is disposed).</summary>
    internal void EnsureFinalizer()
    {
        if (_finalizer is null && !IsDisposed)
        {
            _finalizer = new TensorFinalizer(this);
        }
    }

    /// <summary>The native handle (throws once disposed).</summary>
    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Tensor), "this tensor was disposed (by you or by its TensorScope)");

    /// <summary>Whether the native tensor has been released.</summary>
    public bool IsDisposed => _handle == IntPtr.Zero;

    /// <summary>Releases the native tensor now (idempotent).</summary>
    public void Dispose()
    {
        Free();
        DropFinalizer();
    }

    /// <summary>Releases the native tensor (idempotent, any thread); what both Dispose and the safety net call.</summary>
    internal void Free()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            trl_tensor_free(h);
        }
    }

    private void DropFinalizer()
    {
        if (_finalizer is { } f)
        {
            GC.SuppressFinalize(f);
        }
    }

    /// <summary>Gives up the native handle (this object becomes disposed) so another wrapper can own it.</summary>
    internal IntPtr StealHandle()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        DropFinalizer();
        return h != IntPtr.Zero ? h : throw new ObjectDisposedException(nameof(Tensor));
    }

    // ---- metadata ----

    /// <summary>Number of dimensions.</summary>
    public long Dim { get { var d = trl_tensor_dim(Handle); GC.KeepAlive(this); return d; } }

    /// <summary>Number of elements.</summary>
    public long NumEl { get { var n = trl_tensor_numel(Handle); GC.KeepAlive(this); return n; } }

    /// <summary>The sizes of every dimension (a new array).</summary>
    public unsafe long[] Shape => ReadDims(&trl_tensor_sizes);

    /// <summary>The element strides of every dimension (a new array).</summary>
    public unsafe long[] Strides => ReadDims(&trl_tensor_strides);

    private unsafe long[] ReadDims(delegate*<IntPtr, long*, void> read)
    {
        var h = Handle;
        var dims = new long[trl_tensor_dim(h)];
        fixed (long* p = dims)
        {
            read(h, p);
        }
        GC.KeepAlive(this);
        return dims;
    }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(long dim)
    {
        var s = trl_tensor_size(Handle, dim);
        GC.KeepAlive(this);
        if (s < 0)
        {
            ThrowLastError();
        }
        return s;
    }

    /// <summary>The element type.</summary>
    public DType DType
    {
        get
        {
            var code = trl_tensor_dtype(Handle);
            GC.KeepAlive(this);
            return code >= 0 ? (DType)code : throw new TorchException($"tensor has a dtype ToolRL.Torch does not model (code {code})");
        }
    }

    /// <summary>The device holding the data.</summary>
    public Device Device
    {
        get
        {
            var h = Handle;
            var type = trl_tensor_device_type(h);
            var index = trl_tensor_device_index(h);
            GC.KeepAlive(this);
            return type == 1 ? new Device(DeviceType.Cuda, index) : Device.Cpu;
        }
    }

    /// <summary>Whether the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous { get { var c = trl_tensor_is_contiguous(Handle) != 0; GC.KeepAlive(this); return c; } }

    /// <summary>Whether this tensor shares its storage with <paramref name="other"/> (e.g. a view of it).</summary>
    public bool SharesStorageWith(Tensor other)
    {
        var r = trl_tensor_same_storage(Handle, other.Handle) != 0;
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return r;
    }

    /// <summary>A short description: dtype, shape and device.</summary>
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor({DType}, [{string.Join(", ", Shape)}], {Device})";

    /// <summary>libtorch's full printout of the values.</summary>
    public unsafe string ToStringFull()
    {
        var h = Handle;
        var text = NativeAllocator.ReadString(_ => trl_tensor_to_string(h, NativeAllocator.Callback));
        GC.KeepAlive(this);
        return text;
    }

    // ---- scope ----

    /// <summary>Moves this tensor to the scope enclosing its current one (or out of all scopes); returns it.</summary>
    public Tensor MoveToOuterScope()
    {
        OwningScope?.MoveToOuter(this);
        return this;
    }

    /// <summary>Removes this tensor from its scope: it will only be released by <see cref="Dispose()"/> or the finalizer.</summary>
    public Tensor DetachFromScope()
    {
        OwningScope = null;
        EnsureFinalizer();
        return this;
    }
}
