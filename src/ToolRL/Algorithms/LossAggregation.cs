using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// The denominators of a loss aggregation for a whole mini-batch (one optimizer step). Passing the same
/// normaliser to every micro-batch makes the sum of the micro-batch losses equal the mini-batch loss, whatever
/// the micro-batch split (verl's engine path with global batch info; TRL's <c>dapo</c> normaliser).
/// </summary>
/// <param name="TokenCount">Valid tokens in the mini-batch (token-mean).</param>
/// <param name="SequenceCount">Sequences with at least one valid token (seq-mean modes).</param>
/// <param name="ScaleFactor">Divisor of seq-mean-token-sum-norm (loss_scale_factor, default max_response_length).</param>
public sealed record LossNormalizer(double TokenCount, double SequenceCount, double ScaleFactor)
{
    /// <summary>The normaliser of a mini-batch given the response masks of all its micro-batches.</summary>
    public static LossNormalizer For(IEnumerable<Tensor> microBatchMasks, double scaleFactor)
    {
        double tokens = 0, sequences = 0;
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        foreach (var mask in microBatchMasks)
        {
            var m = mask.To(DType.Float64);
            tokens += m.Sum().ItemDouble();
            sequences += m.Sum(-1).Gt(0).To(DType.Float64).Sum().ItemDouble();
        }
        return new LossNormalizer(tokens, sequences, scaleFactor);
    }

    /// <summary>The normaliser of a single batch (its own counts).</summary>
    public static LossNormalizer For(Tensor mask, double scaleFactor) => For([mask], scaleFactor);
}

/// <summary>
/// Reduces per-token losses to a scalar (verl <c>agg_loss</c>, core_algos.py:1025-1080), normalised by the
/// whole mini-batch (<see cref="LossNormalizer"/>):
/// token-mean Σ(L·m)/N_tok; seq-mean-token-sum Σ_i Σ_t L·m / N_seq; seq-mean-token-mean Σ_i (Σ_t L·m / Σ_t m) / N_seq;
/// seq-mean-token-sum-norm Σ(L·m) / (N_seq · scale) (Dr.GRPO; divided by N_seq like TRL's dr_grpo, so the scale
/// does not depend on the micro-batch size, which verl's as-read formula does).
/// </summary>
public static class LossAggregation
{
    /// <summary>Aggregates <paramref name="loss"/> (B, T) over <paramref name="mask"/>.</summary>
    /// <param name="loss">Per-token loss, shape (B, T).</param>
    /// <param name="mask">Response mask, shape (B, T).</param>
    /// <param name="mode">Aggregation mode.</param>
    /// <param name="normalizer">Mini-batch denominators; null = this batch alone, scale = T (padded length, verl's default).</param>
    public static Tensor Aggregate(Tensor loss, Tensor mask, LossAggregationMode mode, LossNormalizer? normalizer = null)
    {
        using var scope = torch.NewScope();
        var n = normalizer ?? LossNormalizer.For(mask, loss.Size(-1));
        var m = Masked.AsWeights(mask, loss);
        var masked = loss * m;
        var result = mode switch
        {
            LossAggregationMode.TokenMean => masked.Sum() / n.TokenCount,
            LossAggregationMode.SeqMeanTokenSum => masked.Sum() / n.SequenceCount,
            // Empty rows have 0/0 here; ClampMin(1) on the count keeps them at 0 (they are not counted in N_seq).
            LossAggregationMode.SeqMeanTokenMean => (masked.Sum(-1) / m.Sum(-1).ClampMin(1)).Sum() / n.SequenceCount,
            LossAggregationMode.SeqMeanTokenSumNorm => masked.Sum() / (n.SequenceCount * n.ScaleFactor),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown loss aggregation mode"),
        };
        return scope.MoveToOuter(result);
    }
}
