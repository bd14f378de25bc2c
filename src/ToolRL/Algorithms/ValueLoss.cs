using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>Critic loss and its metrics (<c>critic/vf_loss</c>, <c>critic/vf_clipfrac</c>).</summary>
/// <param name="VfLoss">½·aggregated clipped squared error (scalar with gradient).</param>
/// <param name="VfClipFrac">Fraction of valid tokens where the clipped error was the larger one.</param>
public sealed record ValueLossResult(Tensor VfLoss, double VfClipFrac);

/// <summary>
/// Clipped value loss (verl compute_value_loss, core_algos.py:1799-1838, after TRL):
/// V_clip = clip(V_pred, V_old − c, V_old + c); L = ½·agg(max((V_pred − R)², (V_clip − R)²)).
/// </summary>
public static class ValueLoss
{
    /// <summary>Computes the clipped value loss of a (micro-)batch.</summary>
    /// <param name="predictedValues">Shape (B, T): current critic values (with grad).</param>
    /// <param name="oldValues">Shape (B, T): values at rollout time.</param>
    /// <param name="returns">Shape (B, T): GAE returns.</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="cliprangeValue">Clip range c (<c>cliprange_value</c>).</param>
    /// <param name="mode">Aggregation mode.</param>
    /// <param name="normalizer">Mini-batch denominators (null = this batch).</param>
    public static ValueLossResult ComputeClipped(Tensor predictedValues, Tensor oldValues, Tensor returns, Tensor responseMask,
        double cliprangeValue, LossAggregationMode mode = LossAggregationMode.TokenMean, LossNormalizer? normalizer = null)
    {
        using var scope = torch.NewScope();
        var mask = Masked.AsWeights(responseMask, predictedValues);
        var clippedPrediction = predictedValues.Minimum(oldValues + cliprangeValue).Maximum(oldValues - cliprangeValue);
        var unclippedError = (predictedValues - returns).Square();
        var clippedError = (clippedPrediction - returns).Square();
        var loss = LossAggregation.Aggregate(unclippedError.Maximum(clippedError), mask, mode, normalizer) * 0.5;
        double clipFrac;
        using (torch.NoGrad())
        {
            clipFrac = Masked.Mean(clippedError.Gt(unclippedError).To(mask.DType), mask).ItemDouble();
        }
        return new ValueLossResult(scope.MoveToOuter(loss), clipFrac);
    }

    /// <summary>
    /// Explained variance of the critic, 1 − Var(R − V) / (Var(R) + 1e-5) over valid tokens with unbiased
    /// variances (verl metric_utils.py:176-185, <c>critic/vf_explained_var</c>).
    /// </summary>
    public static double ExplainedVariance(Tensor returns, Tensor values, Tensor responseMask)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var r = returns.To(DType.Float64);
        var mask = Masked.AsWeights(responseMask, r);
        var residualVariance = Masked.Var(r - values.To(DType.Float64), mask).ItemDouble();
        var returnVariance = Masked.Var(r, mask).ItemDouble();
        return 1 - residualVariance / (returnVariance + 1e-5);
    }
}
