using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

public partial class Tensor
{
    /// <summary>
    /// Copies the elements (row-major) into a new array, converting to <typeparamref name="T"/>'s dtype first
    /// if needed (e.g. bfloat16 → <see cref="float"/>). Works for any device.
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[NumEl];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, whose length must equal <see cref="NumEl"/>.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var want = DTypeInfo.Of<T>();
        if (DType != want)
        {
            using var converted = new Tensor(Check(trl_to(Handle, (int)want, -1, 0, 0)), scoped: false);
            converted.CopyTo(destination);
            GC.KeepAlive(this);
            return;
        }
        fixed (T* p = destination)
        {
            Check(trl_tensor_copy_to(Handle, p, (long)destination.Length * sizeof(T)));
        }
        GC.KeepAlive(this);
    }

    /// <summary>The value of a one-element tensor as <typeparamref name="T"/>.</summary>
    public unsafe T Item<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(bool) || typeof(T) == typeof(byte))
        {
            var l = ItemLong();
            if (typeof(T) == typeof(long)) { return (T)(object)l; }
            if (typeof(T) == typeof(int)) { return (T)(object)checked((int)l); }
            if (typeof(T) == typeof(byte)) { return (T)(object)checked((byte)l); }
            return (T)(object)(l != 0);
        }
        var d = ItemDouble();
        if (typeof(T) == typeof(double)) { return (T)(object)d; }
        if (typeof(T) == typeof(float)) { return (T)(object)(float)d; }
        if (typeof(T) == typeof(Half)) { return (T)(object)(Half)d; }
        throw new NotSupportedException($"Item<{typeof(T).Name}> is not supported; use float, double, Half, long, int, byte or bool");
    }

    /// <summary>The value of a one-element tensor as a double.</summary>
    public unsafe double ItemDouble()
    {
        double v;
        Check(trl_tensor_item(Handle, &v));
        GC.KeepAlive(this);
        return v;
    }

    /// <summary>The value of a one-element tensor as a float.</summary>
    public float ItemFloat() => (float)ItemDouble();

    /// <summary>The value of a one-element tensor as a long (truncating floats).</summary>
    public unsafe long ItemLong()
    {
        long v;
        Check(trl_tensor_item_long(Handle, &v));
        GC.KeepAlive(this);
        return v;
    }

    /// <summary>Address of the first element (CPU, contiguous tensors only; valid while this tensor lives).</summary>
    internal IntPtr DataPointer()
    {
        var p = trl_tensor_data_ptr(Handle);
        GC.KeepAlive(this);
        return p;
    }

    // ---- conversion ----

    /// <summary>This tensor converted to <paramref name="dtype"/> (a new handle to the same data when it already is).</summary>
    public Tensor To(DType dtype) => ToCore((int)dtype, -1, 0, copy: false);

    /// <summary>This tensor on <paramref name="device"/> (a clear error when CUDA is asked of a CPU-only libtorch).</summary>
    public Tensor To(Device device) => ToCore(-1, (int)device.Type, device.Index, copy: false);

    /// <summary>This tensor converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public Tensor To(DType dtype, Device device) => ToCore((int)dtype, (int)device.Type, device.Index, copy: false);

    private Tensor ToCore(int dtype, int devType, int devIndex, bool copy)
    {
        var r = trl_to(Handle, dtype, devType, devIndex, copy ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>A copy with its own storage (differentiable, like torch.clone).</summary>
    public Tensor Clone() => Unary(Native.Unary.Clone);

    /// <summary>This tensor with a dense row-major layout (itself, as a new handle, when already contiguous).</summary>
    public Tensor Contiguous() => Unary(Native.Unary.Contiguous);

    // ---- in-place (for preallocated buffers such as a KV cache, and optimiser updates) ----

    /// <summary>Copies <paramref name="source"/> (broadcast, converted) into this tensor in place: PyTorch's copy_.</summary>
    public Tensor CopyFrom(Tensor source) => ApplyInPlace(Native.InPlace.Copy, source, 1);

    /// <summary>this += alpha·other, in place.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) => ApplyInPlace(Native.InPlace.Add, other, alpha);

    /// <summary>this -= alpha·other, in place.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1) => ApplyInPlace(Native.InPlace.Sub, other, alpha);

    /// <summary>this *= other, in place.</summary>
    public Tensor MulInPlace(Tensor other) => ApplyInPlace(Native.InPlace.Mul, other, 1);

    /// <summary>this /= other, in place.</summary>
    public Tensor DivInPlace(Tensor other) => ApplyInPlace(Native.InPlace.Div, other, 1);

    /// <summary>this += weight·(end − this), in place.</summary>
    public Tensor LerpInPlace(Tensor end, double weight) => ApplyInPlace(Native.InPlace.Lerp, end, weight);

    /// <summary>Sets elements where <paramref name="mask"/> is true to <paramref name="value"/>, in place.</summary>
    public Tensor MaskedFillInPlace(Tensor mask, double value) => ApplyInPlace(Native.InPlace.MaskedFill, mask, value);

    /// <summary>Sets every element to zero, in place.</summary>
    public Tensor ZeroInPlace()
    {
        Check(trl_inplace(Handle, IntPtr.Zero, (int)Native.InPlace.Zero, 0));
        GC.KeepAlive(this);
        return this;
    }

    /// <summary>this += value, in place.</summary>
    public Tensor AddInPlace(double value) => ApplyInPlaceScalar(InPlaceScalar.Add, value);

    /// <summary>this *= value, in place.</summary>
    public Tensor MulInPlace(double value) => ApplyInPlaceScalar(InPlaceScalar.Mul, value);

    /// <summary>this /= value, in place.</summary>
    public Tensor DivInPlace(double value) => ApplyInPlaceScalar(InPlaceScalar.Div, value);

    /// <summary>Sets every element to <paramref name="value"/>, in place.</summary>
    public Tensor FillInPlace(double value) => ApplyInPlaceScalar(InPlaceScalar.Fill, value);

    /// <summary>Clamps every element to at least <paramref name="min"/>, in place.</summary>
    public Tensor ClampMinInPlace(double min) => ApplyInPlaceScalar(InPlaceScalar.ClampMin, min);

    /// <summary>Clamps every element to at most <paramref name="max"/>, in place.</summary>
    public Tensor ClampMaxInPlace(double max) => ApplyInPlaceScalar(InPlaceScalar.ClampMax, max);

    private Tensor ApplyInPlace(InPlace op, Tensor other, double alpha)
    {
        Check(trl_inplace(Handle, other.Handle, (int)op, alpha));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return this;
    }

    private Tensor ApplyInPlaceScalar(InPlaceScalar op, double value)
    {
        Check(trl_inplace_scalar(Handle, value, (int)op));
        GC.KeepAlive(this);
        return this;
    }
}
