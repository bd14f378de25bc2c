using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// GSPO, Group Sequence Policy Optimization (Zheng et al. 2025, arXiv:2507.18071, eq. 5-7; verl core_algos.py
/// <c>compute_policy_loss_gspo</c>, registered as <c>gspo</c>): the importance ratio of a whole response,
/// length-normalised, instead of one per token:
/// log s_i = Σ_t m·(logp − old) / max(1, Σ_t m);
/// per token log s_{i,t} = sg[log s_i] + logp − sg[logp] (the value is s_i, the gradient flows through each token's
/// logp; eq. 7), clamped above at 10; L1 = −A·s_{i,t}; L2 = −A·clip(s_{i,t}, 1−ε_low, 1+ε_high); L = max(L1, L2),
/// aggregated seq-mean-token-mean whatever <c>loss_agg_mode</c> says (as verl). No dual clip: <c>clip_ratio_c</c>
/// is not used and <c>pg_clipfrac_lower</c> is 0. The paper's ε are small (3e-4 / 4e-4).
/// </summary>
public static class GspoPolicyLoss
{
    /// <summary>The upper clamp of the per-token log-ratio before exponentiation (verl: 10), for numerical safety.</summary>
    public const double MaxLogRatio = 10;

    /// <summary>Computes the GSPO loss of a (micro-)batch.</summary>
    /// <param name="oldLogProbs">Shape (B, T): log-probs of the sampled tokens under the behaviour policy (no grad).</param>
    /// <param name="logProbs">Shape (B, T): log-probs under the current policy (with grad).</param>
    /// <param name="advantages">Shape (B, T): sequence-level advantages broadcast over the tokens (e.g. GRPO's).</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="settings">Clip ranges ε_low, ε_high (the dual-clip bound and aggregation mode are not used).</param>
    /// <param name="normalizer">Mini-batch denominators (null = this batch).</param>
    public static PolicyLossResult Compute(Tensor oldLogProbs, Tensor logProbs, Tensor advantages, Tensor responseMask,
        PolicyLossSettings settings, LossNormalizer? normalizer = null)
    {
        using var scope = torch.NewScope();
        var mask = Masked.AsWeights(responseMask, logProbs);
        var logRatio = logProbs - oldLogProbs;
        var sequenceLogRatio = (logRatio * mask).Sum(-1) / mask.Sum(-1).ClampMin(1);
        var tokenLogRatio = (logProbs - logProbs.Detach() + sequenceLogRatio.Detach().Unsqueeze(-1)).ClampMax(MaxLogRatio);
        var ratio = tokenLogRatio.Exp();
        var negativeAdvantages = -advantages;
        var unclipped = negativeAdvantages * ratio;
        var clipped = negativeAdvantages * ratio.Clamp(1 - settings.ClipRatioLow, 1 + settings.ClipRatioHigh);
        var perToken = unclipped.Maximum(clipped);
        var pgLoss = LossAggregation.Aggregate(perToken, mask, LossAggregationMode.SeqMeanTokenMean, normalizer);

        double clipFrac, ppoKl;
        using (torch.NoGrad())
        {
            clipFrac = Masked.Mean(clipped.Gt(unclipped).To(mask.DType), mask).ItemDouble();
            ppoKl = Masked.Mean(-logRatio, mask).ItemDouble();
        }
        return new PolicyLossResult(scope.MoveToOuter(pgLoss), clipFrac, 0, ppoKl);
    }
}
