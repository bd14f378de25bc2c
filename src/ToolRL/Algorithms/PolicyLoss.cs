using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>Settings of the clipped surrogate.</summary>
/// <param name="ClipRatioLow">ε_low: the ratio is clipped below at 1 − ε_low.</param>
/// <param name="ClipRatioHigh">ε_high: the ratio is clipped above at 1 + ε_high (clip-higher when &gt; ε_low).</param>
/// <param name="ClipRatioC">Dual-clip bound c &gt; 1 for negative advantages (Ye et al. 2020).</param>
/// <param name="Mode">Loss aggregation mode.</param>
public sealed record PolicyLossSettings(double ClipRatioLow, double ClipRatioHigh, double ClipRatioC, LossAggregationMode Mode)
{
    /// <summary>The log-ratio clamp before exponentiation (verl: ±20), for numerical safety.</summary>
    public const double LogRatioClamp = 20;
}

/// <summary>The policy loss and its metrics (verl names <c>actor/pg_loss</c>, <c>actor/pg_clipfrac</c>, ...).</summary>
/// <param name="PgLoss">Aggregated loss (scalar tensor with gradient).</param>
/// <param name="PgClipFrac">Fraction of valid tokens where the clipped term was active.</param>
/// <param name="PgClipFracLower">Fraction of valid tokens where the dual clip (A &lt; 0) was active.</param>
/// <param name="PpoKl">Masked mean of −log(ratio) = old − new log-prob (approximate KL to the old policy).</param>
public sealed record PolicyLossResult(Tensor PgLoss, double PgClipFrac, double PgClipFracLower, double PpoKl);

/// <summary>
/// PPO clipped surrogate with asymmetric clip and dual clip (verl core_algos.py:1159-1250, <c>vanilla</c>;
/// Schulman et al. 2017; Ye et al. 2020):
/// log r = clamp(logp − old, ±20); L1 = −A·r; L2 = −A·clip(r, 1−ε_low, 1+ε_high); Lclip = max(L1, L2);
/// L3 = −A·c; L = min(L3, Lclip) where A &lt; 0 else Lclip; then aggregated.
/// </summary>
public static class PolicyLoss
{
    /// <summary>Computes the clipped policy loss of a (micro-)batch.</summary>
    /// <param name="oldLogProbs">Shape (B, T): log-probs of the sampled tokens under the behaviour policy (no grad).</param>
    /// <param name="logProbs">Shape (B, T): log-probs under the current policy (with grad).</param>
    /// <param name="advantages">Shape (B, T).</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="settings">Clip ranges, dual-clip bound and aggregation.</param>
    /// <param name="normalizer">Mini-batch denominators (null = this batch).</param>
    public static PolicyLossResult ComputeClipped(Tensor oldLogProbs, Tensor logProbs, Tensor advantages, Tensor responseMask,
        PolicyLossSettings settings, LossNormalizer? normalizer = null)
    {
        if (settings.ClipRatioC <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.ClipRatioC, "clip_ratio_c must be > 1 (dual-clip lower bound of the loss).");
        }
        using var scope = torch.NewScope();
        var mask = Masked.AsWeights(responseMask, logProbs);
        var logRatio = (logProbs - oldLogProbs).Clamp(-PolicyLossSettings.LogRatioClamp, PolicyLossSettings.LogRatioClamp);
        var ratio = logRatio.Exp();
        var negativeAdvantages = -advantages;
        var unclipped = negativeAdvantages * ratio;
        var clipped = negativeAdvantages * ratio.Clamp(1 - settings.ClipRatioLow, 1 + settings.ClipRatioHigh);
        var clipLoss = unclipped.Maximum(clipped);
        var dualBound = negativeAdvantages * settings.ClipRatioC;
        var isNegative = advantages.Lt(0);
        var perToken = torch.Where(isNegative, clipLoss.Minimum(dualBound), clipLoss);
        var pgLoss = LossAggregation.Aggregate(perToken, mask, settings.Mode, normalizer);

        double clipFrac, clipFracLower, ppoKl;
        using (torch.NoGrad())
        {
            clipFrac = Masked.Mean(clipped.Gt(unclipped).To(mask.DType), mask).ItemDouble();
            clipFracLower = Masked.Mean(clipLoss.Gt(dualBound).LogicalAnd(isNegative).To(mask.DType), mask).ItemDouble();
            ppoKl = Masked.Mean(-logRatio, mask).ItemDouble();
        }
        return new PolicyLossResult(scope.MoveToOuter(pgLoss), clipFrac, clipFracLower, ppoKl);
    }
}
