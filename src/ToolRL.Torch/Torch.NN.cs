using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

#pragma warning disable CS8981, IDE1006 // lower-case on purpose: see Torch.cs
public static partial class torch
#pragma warning restore CS8981, IDE1006
{
    /// <summary>Rows of <paramref name="weight"/> picked by the int64 <paramref name="indices"/> (F.embedding).</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices)
    {
        var r = trl_embedding(weight.Handle, indices.Handle);
        GC.KeepAlive(weight);
        GC.KeepAlive(indices);
        return Tensor.Wrap(r);
    }

    /// <summary>x·Wᵀ + b in one call (F.linear); <paramref name="weight"/> is [out, in].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var r = trl_linear(input.Handle, weight.Handle, bias?.Handle ?? IntPtr.Zero);
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// Cross-entropy of <paramref name="logits"/> [N, C] against class indices <paramref name="targets"/> [N]
    /// (F.cross_entropy); targets equal to <paramref name="ignoreIndex"/> contribute nothing and are left out
    /// of the mean. <paramref name="reduction"/>: "mean", "sum" or "none".
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, long ignoreIndex = -100, string reduction = "mean", double labelSmoothing = 0)
    {
        var code = reduction switch
        {
            "none" => 0,
            "mean" => 1,
            "sum" => 2,
            _ => throw new ArgumentException($"reduction '{reduction}' is not 'mean', 'sum' or 'none'", nameof(reduction)),
        };
        var r = trl_cross_entropy(logits.Handle, targets.Handle, ignoreIndex, code, labelSmoothing);
        GC.KeepAlive(logits);
        GC.KeepAlive(targets);
        return Tensor.Wrap(r);
    }
}
