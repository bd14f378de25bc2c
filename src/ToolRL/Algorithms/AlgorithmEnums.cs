namespace ToolRL.Algorithms;

/// <summary>How per-token losses are reduced (<c>loss_agg_mode</c>, verl's names).</summary>
public enum LossAggregationMode
{
    /// <summary><c>token-mean</c>: Σ(L·m) / Σm over the whole mini-batch.</summary>
    TokenMean,
    /// <summary><c>seq-mean-token-sum</c>: mean over sequences of the per-sequence token sum.</summary>
    SeqMeanTokenSum,
    /// <summary><c>seq-mean-token-mean</c>: mean over sequences of the per-sequence token mean (original GRPO).</summary>
    SeqMeanTokenMean,
    /// <summary><c>seq-mean-token-sum-norm</c>: Σ(L·m) / (sequences · max_response_length) (Dr.GRPO).</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>KL estimator between policy and reference (<c>kl_penalty</c>, <c>kl_loss_type</c>), with Δ = logp − ref_logp.</summary>
public enum KlEstimator
{
    /// <summary><c>kl</c> (alias <c>k1</c>): Δ.</summary>
    K1,
    /// <summary><c>abs</c>: |Δ|.</summary>
    Abs,
    /// <summary><c>mse</c> (alias <c>k2</c>): ½Δ².</summary>
    K2,
    /// <summary><c>low_var_kl</c> (alias <c>k3</c>): exp(−Δ) + Δ − 1, clamped to [−10, 10].</summary>
    K3,
}

/// <summary>KL coefficient controller for KL-in-reward (<c>kl_ctrl.type</c>).</summary>
public enum KlControllerType
{
    /// <summary>Constant coefficient.</summary>
    Fixed,
    /// <summary>Ziegler et al. adaptive controller (target KL, horizon).</summary>
    Adaptive,
}

/// <summary>The batch KL statistic the adaptive controller reads (<c>kl_ctrl.kl_agg_mode</c>).</summary>
public enum KlAggregation
{
    /// <summary><c>seq-mean-token-mean</c>: the mean over sequences of each sequence's token-mean KL (verl <c>actor/reward_kl_penalty</c>).</summary>
    SeqMeanTokenMean,
    /// <summary><c>seq-mean-token-sum</c>: the mean over sequences of each sequence's summed KL (trl 0.10.1 <c>objective/kl</c>, StepTool).</summary>
    SeqMeanTokenSum,
}
