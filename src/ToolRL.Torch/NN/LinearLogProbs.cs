using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.NN;

/// <summary>
/// Fused, chunked "vocabulary projection → log-prob of the target and entropy" with its own backward
/// (native/src/model_logprobs.cpp, owned by the model area). It never materialises the [rows, vocab] logits
/// as a whole: rows are projected <c>chunkRows</c> at a time, so scoring memory does not grow with
/// rows × vocabulary. This is what the RL losses backpropagate through.
/// </summary>
public static class LinearLogProbs
{
    /// <summary>
    /// For each row n: <c>z = (W·h_n) / temperature</c>, returns <c>log softmax(z)[target_n]</c> and the entropy
    /// <c>−Σ softmax(z)·log softmax(z)</c>, both float32 [N]. Differentiable w.r.t. <paramref name="hidden"/> and
    /// <paramref name="weight"/> (whichever require gradients).
    /// </summary>
    /// <param name="hidden">[N, H] final hidden states (float32, bfloat16 or float16).</param>
    /// <param name="weight">[V, H] the lm_head (or tied embedding) weight, same dtype as <paramref name="hidden"/>.</param>
    /// <param name="targets">[N] int64 target ids in [0, V).</param>
    /// <param name="temperature">Logits are divided by it (1 = the model's distribution).</param>
    /// <param name="chunkRows">Rows projected at once (bounds the [chunk, V] working set).</param>
    /// <param name="keepBudgetBytes">When N·V·4 bytes fit, the forward keeps log p for the backward (two matmuls);
    /// otherwise the backward recomputes each chunk's logits (three matmuls, O(chunk·V) memory).</param>
    /// <param name="withEntropy">Compute entropies (otherwise the second result is zeros).</param>
    public static (Tensor LogProbs, Tensor Entropy) Compute(Tensor hidden, Tensor weight, Tensor targets, double temperature = 1.0,
        long chunkRows = 256, long keepBudgetBytes = 1L << 30, bool withEntropy = true)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(targets);
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a positive finite number");
        }
        NativeMethods.Check(trl_model_linear_logprob_entropy(hidden.Handle, weight.Handle, targets.Handle, 1.0 / temperature,
            chunkRows, keepBudgetBytes, withEntropy ? 1 : 0, out var logp, out var entropy));
        GC.KeepAlive(hidden);
        GC.KeepAlive(weight);
        GC.KeepAlive(targets);
        return (Tensor.Wrap(logp), Tensor.Wrap(entropy));
    }

    [DllImport(NativeMethods.Lib)]
    private static extern int trl_model_linear_logprob_entropy(IntPtr hidden, IntPtr weight, IntPtr targets, double invTemperature,
        long chunkRows, long keepBudgetBytes, int wantEntropy, out IntPtr logp, out IntPtr entropy);
}
