using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// Per-token KL estimators between the policy and the reference (verl kl_penalty_forward, core_algos.py:1867-1902;
/// Schulman, "Approximating KL divergence", 2020), with Δ = logp − ref_logp:
/// k1 (<c>kl</c>) Δ; <c>abs</c> |Δ|; k2 (<c>mse</c>) ½Δ²; k3 (<c>low_var_kl</c>) exp(−Δ) + Δ − 1 with −Δ clamped to
/// [−20, 20] and the result to [−10, 10].
/// </summary>
public static class KlPenalty
{
    /// <summary>The estimator's per-token values, shape of the inputs.</summary>
    public static Tensor Estimate(Tensor logProbs, Tensor refLogProbs, KlEstimator estimator)
    {
        using var scope = torch.NewScope();
        var result = estimator switch
        {
            KlEstimator.K1 => logProbs - refLogProbs,
            KlEstimator.Abs => (logProbs - refLogProbs).Abs(),
            KlEstimator.K2 => (logProbs - refLogProbs).Square() * 0.5,
            KlEstimator.K3 => LowVarianceKl(logProbs, refLogProbs),
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator"),
        };
        return scope.MoveToOuter(result);
    }

    private static Tensor LowVarianceKl(Tensor logProbs, Tensor refLogProbs)
    {
        var kl = (refLogProbs - logProbs).Clamp(-20, 20); // −Δ
        return (kl.Exp() - kl - 1).Clamp(-10, 10);
    }
}

/// <summary>Token-level rewards after the KL penalty, and the batch KL that drives the controller.</summary>
/// <param name="TokenLevelRewards">Shape (B, T): scores − β·KL·mask.</param>
/// <param name="CurrentKl">Mean over sequences of the per-sequence masked mean KL (verl <c>actor/reward_kl_penalty</c>).</param>
public sealed record KlRewardResult(Tensor TokenLevelRewards, double CurrentKl)
{
    /// <summary>Mean over sequences of the per-sequence masked sum of the KL (trl 0.10.1 <c>objective/kl</c>, StepTool's controller input).</summary>
    public double SequenceSumKl { get; init; }

    /// <summary>The batch KL under <paramref name="aggregation"/>: <see cref="CurrentKl"/> or <see cref="SequenceSumKl"/>.</summary>
    public double Statistic(KlAggregation aggregation) => aggregation switch
    {
        KlAggregation.SeqMeanTokenMean => CurrentKl,
        KlAggregation.SeqMeanTokenSum => SequenceSumKl,
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "unknown KL aggregation"),
    };
}

/// <summary>
/// KL in the reward (verl apply_kl_penalty, ray_trainer.py:70-109; Ziegler et al. 2019):
/// r_t = score_t − β·KL_t·m_t with KL between the behaviour (old) policy and the reference.
/// </summary>
public static class KlReward
{
    /// <summary>Applies the penalty with coefficient <paramref name="beta"/>.</summary>
    public static KlRewardResult Apply(Tensor tokenLevelScores, Tensor oldLogProbs, Tensor refLogProbs, Tensor responseMask,
        double beta, KlEstimator estimator = KlEstimator.K1)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var mask = Masked.AsWeights(responseMask, tokenLevelScores);
        var kl = KlPenalty.Estimate(oldLogProbs, refLogProbs, estimator).To(tokenLevelScores.DType) * mask;
        var rewards = tokenLevelScores - kl * beta;
        var currentKl = Masked.Mean(kl, mask, -1).Mean().ItemDouble();
        var sequenceSumKl = Masked.Sum(kl, mask, -1).Mean().ItemDouble();
        return new KlRewardResult(scope.MoveToOuter(rewards), currentKl) { SequenceSumKl = sequenceSumKl };
    }
}
