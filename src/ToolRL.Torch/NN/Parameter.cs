using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.NN;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>: requires gradients by default and is never disposed by
/// a <see cref="TensorScope"/> (the module disposes it). It is a <see cref="Tensor"/>, so it goes anywhere a
/// tensor does.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>A parameter sharing <paramref name="data"/>'s storage (the source tensor stays valid and separately owned).</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(DetachedHandle(data), scoped: false)
    {
        if (requiresGrad)
        {
            RequiresGrad = true;
        }
    }

    private static IntPtr DetachedHandle(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var h = Check(trl_unary(data.Handle, (int)Native.Unary.Detach));
        GC.KeepAlive(data);
        return h;
    }

    /// <summary>Replaces the values, dtype and device in place (<c>param.data = source</c>), keeping this object.</summary>
    public void SetData(Tensor source)
    {
        Check(trl_tensor_set_data(Handle, source.Handle));
        GC.KeepAlive(this);
        GC.KeepAlive(source);
    }
}
