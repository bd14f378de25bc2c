using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

/// <summary>
/// Entry points of the binding (PyTorch's <c>torch.*</c> namespace in PascalCase): tensor creation, joins,
/// autograd mode, seeding, threads, devices and diagnostics. Creation defaults to float32 on the CPU.
/// </summary>
// Lower-case on purpose, as TorchSharp spells it: user code reads `torch.Zeros(...)` like PyTorch, and the class
// no longer shares its name with the namespace ToolRL.Torch (which forced `Torch.Torch.X`). See .editorconfig.
#pragma warning disable CS8981, IDE1006 // lower-case type name: `torch` is the convention users know (see .editorconfig)
public static partial class torch
#pragma warning restore CS8981, IDE1006
{
    // ---- from .NET data ----

    /// <summary>A tensor holding a copy of <paramref name="data"/>; shape defaults to [data.Length].</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromSpan<T>(data, shape.Length == 0 ? [data.Length] : shape);

    /// <summary>A tensor holding a copy of <paramref name="data"/> (row-major) with <paramref name="shape"/>.</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, long[] shape, Device? device = null, bool requiresGrad = false)
        where T : unmanaged => new(CreateFrom(data, shape, device, requiresGrad));

    /// <summary>Like <see cref="FromArray{T}"/> but never owned by a scope (internal helpers dispose it themselves).</summary>
    internal static Tensor FromArrayUnscoped<T>(T[] data, long[] shape) where T : unmanaged =>
        new(CreateFrom<T>(data, shape, null, false), scoped: false);

    private static unsafe IntPtr CreateFrom<T>(ReadOnlySpan<T> data, long[] shape, Device? device, bool requiresGrad) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var s in shape)
        {
            count *= s >= 0 ? s : throw new ArgumentException($"shape [{string.Join(", ", shape)}] has a negative size", nameof(shape));
        }
        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.Length}", nameof(shape));
        }
        var d = device ?? Device.Cpu;
        fixed (T* p = data)
        fixed (long* sp = shape)
        {
            return Check(trl_tensor_from_data(p, (long)data.Length * sizeof(T), sp, shape.Length, (int)DTypeInfo.Of<T>(),
                (int)d.Type, d.Index, requiresGrad ? 1 : 0));
        }
    }

    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    // ---- filled ----

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, FillKind.Zeros, 0, dtype, device, requiresGrad);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, FillKind.Ones, 0, dtype, device, requiresGrad);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, FillKind.Full, value, dtype, device, requiresGrad);

    /// <summary>An uninitialised tensor (for buffers that are written before being read).</summary>
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        Fill(shape, FillKind.Empty, 0, dtype, device, false);

    private static unsafe Tensor Fill(long[] shape, FillKind kind, double value, DType dtype, Device? device, bool requiresGrad)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(trl_full(p, shape.Length, (int)kind, value, (int)dtype, (int)d.Type, d.Index, requiresGrad ? 1 : 0));
        }
    }

    /// <summary>Zeros with <paramref name="like"/>'s shape, dtype (unless given) and device.</summary>
    public static Tensor ZerosLike(Tensor like, DType? dtype = null) => FillLike(like, FillKind.Zeros, 0, dtype);

    /// <summary>Ones with <paramref name="like"/>'s shape, dtype (unless given) and device.</summary>
    public static Tensor OnesLike(Tensor like, DType? dtype = null) => FillLike(like, FillKind.Ones, 0, dtype);

    /// <summary><paramref name="value"/> with <paramref name="like"/>'s shape, dtype (unless given) and device.</summary>
    public static Tensor FullLike(Tensor like, double value, DType? dtype = null) => FillLike(like, FillKind.Full, value, dtype);

    /// <summary>An uninitialised tensor with <paramref name="like"/>'s shape, dtype (unless given) and device.</summary>
    public static Tensor EmptyLike(Tensor like, DType? dtype = null) => FillLike(like, FillKind.Empty, 0, dtype);

    private static Tensor FillLike(Tensor like, FillKind kind, double value, DType? dtype)
    {
        var r = trl_full_like(like.Handle, (int)kind, value, dtype.HasValue ? (int)dtype.Value : -1);
        GC.KeepAlive(like);
        return Tensor.Wrap(r);
    }

    /// <summary>[start, start+step, …) below <paramref name="end"/> (int64 by default, like torch.arange on ints).</summary>
    public static Tensor Arange(long start, long end, long step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(trl_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>[0, 1, …, end−1].</summary>
    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Floating-point range [start, start+step, …) below <paramref name="end"/>.</summary>
    public static Tensor Arange(double start, double end, double step, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(trl_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, long steps, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(trl_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>The n×n identity matrix.</summary>
    public static Tensor Eye(long n, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(trl_eye(n, (int)dtype, (int)d.Type, d.Index));
    }

    // ---- joins and selection ----

    /// <summary>Concatenates along an existing dim.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: false);

    /// <summary>Stacks along a new dim.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: true);

    private static unsafe Tensor Join(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var handles = Tensor.Handles(tensors);
        IntPtr r;
        fixed (IntPtr* p = handles)
        {
            r = trl_cat(p, handles.Length, dim, stack ? 1 : 0);
        }
        GC.KeepAlive(tensors);
        return Tensor.Wrap(r);
    }

    /// <summary>Element-wise <c>condition ? a : b</c> (broadcasting).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var r = trl_where(condition.Handle, a.Handle, b.Handle);
        GC.KeepAlive(condition);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Tensor.Wrap(r);
    }

    /// <summary>Element-wise <c>condition ? a : b</c> with a scalar <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, double b)
    {
        var r = trl_where_scalar(condition.Handle, a.Handle, b);
        GC.KeepAlive(condition);
        GC.KeepAlive(a);
        return Tensor.Wrap(r);
    }

    // ---- autograd mode ----

    /// <summary>Whether autograd records operations on this thread.</summary>
    public static bool IsGradEnabled => trl_grad_enabled() != 0;

    /// <summary>Disables gradient recording on this thread until the returned guard is disposed (torch.no_grad).</summary>
    public static IDisposable NoGrad() => new GradModeGuard(false);

    /// <summary>Enables gradient recording on this thread until the returned guard is disposed (torch.enable_grad).</summary>
    public static IDisposable EnableGrad() => new GradModeGuard(true);

    /// <summary>
    /// Enters inference mode on this thread until the guard is disposed (torch.inference_mode): like
    /// <see cref="NoGrad"/> but also skips autograd bookkeeping (version counters, view tracking), so each op is
    /// cheaper — use it for generation. Tensors created inside can never take part in autograd later
    /// (clone them outside first). Dispose on the same thread, innermost first.
    /// </summary>
    public static IDisposable InferenceMode() => new InferenceModeGuard();

    /// <summary>Whether inference mode is on for this thread.</summary>
    public static bool IsInferenceMode => trl_is_inference_mode() != 0;

    private sealed class InferenceModeGuard : IDisposable
    {
        private IntPtr _guard = Check(trl_inference_mode_enter());

        public void Dispose()
        {
            var g = _guard;
            _guard = IntPtr.Zero;
            if (g != IntPtr.Zero)
            {
                trl_inference_mode_exit(g);
            }
        }
    }

    private sealed class GradModeGuard : IDisposable
    {
        private readonly bool _previous;
        private bool _disposed;

        internal GradModeGuard(bool enabled)
        {
            _previous = trl_grad_enabled() != 0;
            trl_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                trl_set_grad_enabled(_previous ? 1 : 0);
            }
        }
    }

    // ---- lifetime ----

    /// <summary>Opens a <see cref="TensorScope"/> on this thread (dispose it with <c>using</c>).</summary>
    public static TensorScope NewScope() => TensorScope.Open();

    /// <summary>Native tensor handles currently alive in this process (for leak tests).</summary>
    public static long LiveTensorCount => trl_live_tensors();

    // ---- runtime ----

    /// <summary>Seeds the default generators of the CPU and every CUDA device (torch.manual_seed).</summary>
    public static void ManualSeed(long seed) => Check(trl_manual_seed(seed));

    /// <summary>
    /// Threads libtorch uses inside one op (intra-op parallelism; at::set_num_threads), for the whole process: every
    /// thread that runs tensor work takes the value set here before its next op, so awaited work that resumes on
    /// another pool thread computes with the same count and gives the same bits.
    /// </summary>
    public static int IntraOpThreads
    {
        get
        {
            var threads = trl_get_num_threads();
            Check(threads);
            return threads;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Check(trl_set_num_threads(value));
        }
    }

    /// <summary>Whether this libtorch has CUDA support and sees a GPU.</summary>
    public static bool CudaIsAvailable => trl_cuda_is_available() != 0;

    /// <summary>Number of visible CUDA devices (0 on a CPU-only libtorch).</summary>
    public static int CudaDeviceCount
    {
        get
        {
            var n = trl_cuda_device_count();
            Check(n);
            return n;
        }
    }

    /// <summary>The libtorch version the bridge was compiled against, e.g. "1.13.0".</summary>
    public static unsafe string LibTorchVersion => NativeAllocator.ReadString(_ => trl_torch_version(NativeAllocator.Callback));
}
