using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.NN;

/// <summary>
/// A greedy decode step's choice (native/src/model_greedy.cpp, owned by the model area): per row of logits [R, V],
/// the argmax (first index of the maximum, as <c>torch.argmax</c>) and its log-probability
/// <c>log_softmax(logits)[argmax]</c> = −log Σ exp(l − max), in one pass over the logits instead of argmax, gather
/// and logsumexp. Equal to those up to float summation order (the exponential is evaluated to about one ulp).
/// </summary>
public static class GreedyPick
{
    /// <summary>Ids [R] (int64) and log-probs [R] (float32) of the best token of each row of <paramref name="logits"/> [R, V].</summary>
    public static (Tensor Ids, Tensor LogProbs) Compute(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        NativeMethods.Check(trl_model_greedy_pick(logits.Handle, out var ids, out var logProbs));
        GC.KeepAlive(logits);
        return (Tensor.Wrap(ids), Tensor.Wrap(logProbs));
    }

    [DllImport(NativeMethods.Lib)]
    private static extern int trl_model_greedy_pick(IntPtr logits, out IntPtr ids, out IntPtr logProbs);
}
