using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.NN;

/// <summary>
/// A decode step's token choice with its log-probability (native/src/model_token_pick.cpp, owned by the model area), in
/// one or two passes over the logits [R, V] instead of libtorch's argmax or softmax + multinomial followed by
/// gather and logsumexp. Log-probs equal those up to float summation order (the exponential is evaluated to about
/// one ulp).
/// </summary>
public static class TokenPick
{
    /// <summary>
    /// Ids [R] (int64) and log-probs [R] (float32) of the best token of each row: the argmax (first index of the
    /// maximum, as <c>torch.argmax</c>) and <c>log_softmax(logits)[argmax]</c>.
    /// </summary>
    public static (Tensor Ids, Tensor LogProbs) Greedy(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        NativeMethods.Check(trl_model_greedy_pick(logits.Handle, out var ids, out var logProbs));
        GC.KeepAlive(logits);
        return (Tensor.Wrap(ids), Tensor.Wrap(logProbs));
    }

    /// <summary>
    /// Ids [R] (int64) drawn from <c>softmax(logits / temperature)</c> and their log-probs [R] (float32) under it. One
    /// uniform per row comes from <paramref name="generator"/> (so a seed reproduces the draw) and picks the token
    /// by inverse CDF over the vocabulary order: the same distribution as <c>torch.multinomial</c>.
    /// </summary>
    public static (Tensor Ids, Tensor LogProbs) Sample(Tensor logits, double temperature, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        using var uniforms = torch.Rand([logits.Size(0)], generator, DType.Float64);
        NativeMethods.Check(trl_model_sample_pick(logits.Handle, 1.0 / temperature, uniforms.Handle, out var ids, out var logProbs));
        GC.KeepAlive(logits);
        return (Tensor.Wrap(ids), Tensor.Wrap(logProbs));
    }

    [DllImport(NativeMethods.Lib)]
    private static extern int trl_model_greedy_pick(IntPtr logits, out IntPtr ids, out IntPtr logProbs);

    [DllImport(NativeMethods.Lib)]
    private static extern int trl_model_sample_pick(IntPtr logits, double inverseTemperature, IntPtr uniforms, out IntPtr ids, out IntPtr logProbs);
}
