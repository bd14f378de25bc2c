using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

public partial class Tensor
{
    private unsafe Tensor ShapeOp(ShapeOp op, long[] shape)
    {
        IntPtr r;
        fixed (long* p = shape)
        {
            r = trl_shape_op(Handle, (int)op, p, shape.Length);
        }
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private Tensor IndexOp(IndexOp op, long dim, Tensor index)
    {
        var r = trl_index_op(Handle, (int)op, dim, index.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(r);
    }

    private Tensor ScatterOp(ScatterOp op, long dim, Tensor index, Tensor source)
    {
        var r = trl_scatter_op(Handle, (int)op, dim, index.Handle, source.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        GC.KeepAlive(source);
        return Wrap(r);
    }

    /// <summary>Same data with a new shape (one dim may be -1); a view when possible, else a copy.</summary>
    public Tensor Reshape(params long[] shape) => ShapeOp(Native.ShapeOp.Reshape, shape);
    /// <summary>A view with a new shape (the layout must allow it).</summary>
    public Tensor View(params long[] shape) => ShapeOp(Native.ShapeOp.View, shape);
    /// <summary>A broadcast view to <paramref name="shape"/> (-1 keeps a dim).</summary>
    public Tensor Expand(params long[] shape) => ShapeOp(Native.ShapeOp.Expand, shape);
    /// <summary>A view with the dims reordered.</summary>
    public Tensor Permute(params long[] dims) => ShapeOp(Native.ShapeOp.Permute, dims);
    /// <summary>The tensor tiled <paramref name="repeats"/> times per dim (a copy).</summary>
    public Tensor Repeat(params long[] repeats) => ShapeOp(Native.ShapeOp.Repeat, repeats);
    /// <summary>A view with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped.</summary>
    public Tensor Transpose(long dim0, long dim1) => DimOp(Native.DimOp.Transpose, dim0, dim1);
    /// <summary>The transpose of a 2-D tensor.</summary>
    public Tensor T() => Unary(Native.Unary.T);
    /// <summary>A view of <paramref name="length"/> elements of <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => DimOp(Native.DimOp.Narrow, dim, start, length);
    /// <summary>A view of index <paramref name="index"/> of <paramref name="dim"/> (the dim is removed).</summary>
    public Tensor Select(long dim, long index) => DimOp(Native.DimOp.Select, dim, index);
    /// <summary>A view with a size-1 dim inserted at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(long dim) => DimOp(Native.DimOp.Unsqueeze, dim);
    /// <summary>A view with dim <paramref name="dim"/> removed if its size is 1.</summary>
    public Tensor Squeeze(long dim) => DimOp(Native.DimOp.Squeeze, dim);
    /// <summary>A view with every size-1 dim removed.</summary>
    public Tensor Squeeze() => Unary(Native.Unary.SqueezeAll);
    /// <summary>Dims <paramref name="startDim"/>..<paramref name="endDim"/> merged into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => DimOp(Native.DimOp.Flatten, startDim, endDim);
    /// <summary>A view with dim <paramref name="source"/> moved to position <paramref name="destination"/>.</summary>
    public Tensor MoveDim(long source, long destination) => DimOp(Native.DimOp.MoveDim, source, destination);
    /// <summary>The diagonal of a 2-D tensor (offset <paramref name="offset"/>).</summary>
    public Tensor Diagonal(long offset = 0) => DimOp(Native.DimOp.Diagonal, offset);

    /// <summary>Python's <c>t[start:end:step]</c> along <paramref name="dim"/> (a view; negative and out-of-range bounds clamp as in Python).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1)
    {
        var r = trl_slice(Handle, dim, start, end, step);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>The entries of <paramref name="dim"/> at the int64 <paramref name="index"/> (a copy).</summary>
    public Tensor IndexSelect(long dim, Tensor index) => IndexOp(Native.IndexOp.IndexSelect, dim, index);
    /// <summary>out[i][j] = this[index[i][j]][j] (for dim 0), etc.</summary>
    public Tensor Gather(long dim, Tensor index) => IndexOp(Native.IndexOp.Gather, dim, index);
    /// <summary>A copy with <paramref name="source"/> values written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source) => ScatterOp(Native.ScatterOp.Scatter, dim, index, source);
    /// <summary>A copy with <paramref name="source"/> values added at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor source) => ScatterOp(Native.ScatterOp.ScatterAdd, dim, index, source);
    /// <summary>A copy with slices of <paramref name="source"/> added at the entries <paramref name="index"/> of <paramref name="dim"/>.</summary>
    public Tensor IndexAdd(long dim, Tensor index, Tensor source) => ScatterOp(Native.ScatterOp.IndexAdd, dim, index, source);
    /// <summary>A copy with slices of <paramref name="source"/> written at the entries <paramref name="index"/> of <paramref name="dim"/>.</summary>
    public Tensor IndexCopy(long dim, Tensor index, Tensor source) => ScatterOp(Native.ScatterOp.IndexCopy, dim, index, source);

    /// <summary>In place: writes slices of <paramref name="source"/> at the entries <paramref name="index"/> of <paramref name="dim"/>; returns this.</summary>
    public Tensor IndexCopyInPlace(long dim, Tensor index, Tensor source)
    {
        ScatterOp(Native.ScatterOp.IndexCopyInPlace, dim, index, source).Dispose();
        return this;
    }

    /// <summary>In place scatter; returns this.</summary>
    public Tensor ScatterInPlace(long dim, Tensor index, Tensor source)
    {
        ScatterOp(Native.ScatterOp.ScatterInPlace, dim, index, source).Dispose();
        return this;
    }

    /// <summary>In place: writes <paramref name="values"/> into <c>narrow(dim, start, values.size(dim))</c> (e.g. appending to a preallocated KV cache); returns this.</summary>
    public Tensor SliceAssign(long dim, long start, Tensor values)
    {
        using var window = new Tensor(Check(trl_dim_op(Handle, (int)Native.DimOp.Narrow, dim, start, values.Size(dim))), scoped: false);
        window.CopyFrom(values);
        GC.KeepAlive(this);
        return this;
    }

    /// <summary>Advanced indexing <c>t[i0, i1, …]</c> with one index tensor per leading dim.</summary>
    public unsafe Tensor Index(params Tensor[] indices)
    {
        var handles = Handles(indices);
        IntPtr r;
        fixed (IntPtr* p = handles)
        {
            r = trl_index(Handle, p, handles.Length);
        }
        GC.KeepAlive(this);
        GC.KeepAlive(indices);
        return Wrap(r);
    }

    /// <summary>In place <c>t[i0, i1, …] = values</c> (or += with <paramref name="accumulate"/>); returns this.</summary>
    public unsafe Tensor IndexPut(Tensor[] indices, Tensor values, bool accumulate = false)
    {
        var handles = Handles(indices);
        fixed (IntPtr* p = handles)
        {
            Check(trl_index_put_(Handle, p, handles.Length, values.Handle, accumulate ? 1 : 0));
        }
        GC.KeepAlive(this);
        GC.KeepAlive(indices);
        GC.KeepAlive(values);
        return this;
    }

    /// <summary>Indices of the non-zero elements, shape [n, dim].</summary>
    public Tensor NonZero() => Unary(Native.Unary.NonZero);

    /// <summary>Pieces of <paramref name="size"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] Split(long size, long dim = 0) => SplitCore(SplitOp.Split, size, dim);

    /// <summary><paramref name="chunks"/> nearly equal pieces along <paramref name="dim"/>.</summary>
    public Tensor[] Chunk(long chunks, long dim = 0) => SplitCore(SplitOp.Chunk, chunks, dim);

    private unsafe Tensor[] SplitCore(SplitOp op, long size, long dim)
    {
        var count = trl_split(Handle, (int)op, size, dim, NativeAllocator.Callback);
        GC.KeepAlive(this);
        return Array.ConvertAll(NativeAllocator.ReadHandles(count), h => new Tensor(h));
    }

    internal static IntPtr[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = tensors[i].Handle;
        }
        return handles;
    }
}
