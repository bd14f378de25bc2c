namespace ToolRL.Training.Metrics;

/// <summary>
/// Metric names as verl logs them (<c>ray_trainer.py</c>, <c>dp_actor.py</c>, <c>metric_utils.py</c>), so runs
/// can be compared with verl's dashboards line by line. See docs/training.md (Metrics).
/// </summary>
public static class MetricNames
{
#pragma warning disable CS1591 // The names are their own documentation.
    public const string PgLoss = "actor/pg_loss";
    public const string PgClipFrac = "actor/pg_clipfrac";
    public const string PgClipFracLower = "actor/pg_clipfrac_lower";
    public const string PpoKl = "actor/ppo_kl";
    public const string RatioSkipped = "actor/ratio_skipped";
    public const string KlLoss = "actor/kl_loss";
    public const string KlCoef = "actor/kl_coef";
    public const string Entropy = "actor/entropy";
    public const string GradNorm = "actor/grad_norm";
    public const string Lr = "actor/lr";
    // The optimizer metrics of every ParameterGroup are {group}/grad_norm, {group}/skipped_steps, {group}/lr
    // for the groups actor, critic and sft (the actor's are named here because the report reads them).
    public const string RewardKlPenalty = "actor/reward_kl_penalty";
    public const string RewardKlPenaltyCoeff = "actor/reward_kl_penalty_coeff";
    public const string RewardKlSum = "actor/reward_kl_sum";

    public const string VfLoss = "critic/vf_loss";
    public const string VfClipFrac = "critic/vf_clipfrac";
    public const string VpredMean = "critic/vpred_mean";
    public const string VfExplainedVar = "critic/vf_explained_var";
    public const string ScoreMean = "critic/score/mean";
    public const string ScoreMax = "critic/score/max";
    public const string ScoreMin = "critic/score/min";
    public const string RewardsMean = "critic/rewards/mean";
    public const string AdvantagesMean = "critic/advantages/mean";
    public const string AdvantagesMax = "critic/advantages/max";
    public const string AdvantagesMin = "critic/advantages/min";
    // Fraction of generated tokens whose advantage came from their argument value (argument_credit), ours.
    public const string ArgumentCreditTokenFraction = "critic/argument_credit/token_fraction";
    public const string ReturnsMean = "critic/returns/mean";
    public const string ValuesMean = "critic/values/mean";

    public const string ResponseLengthMean = "response_length/mean";
    public const string ResponseLengthMax = "response_length/max";
    public const string ResponseLengthMin = "response_length/min";
    public const string ResponseLengthClipRatio = "response_length/clip_ratio";
    public const string PromptLengthMean = "prompt_length/mean";

    public const string TimingGen = "timing_s/gen";
    public const string TimingReward = "timing_s/reward";
    public const string TimingOldLogProb = "timing_s/old_log_prob";
    public const string TimingRef = "timing_s/ref";
    public const string TimingValues = "timing_s/values";
    public const string TimingUpdate = "timing_s/update";
    public const string TimingUpdateCritic = "timing_s/update_critic";
    public const string TimingTesting = "timing_s/testing";
    public const string TimingStep = "timing_s/step";

    public const string ValRewardMean = "val/reward/mean";
    public const string ValExactMatch = "val/tool_call_exact_match";

    public const string SftLoss = "sft/loss";
    public const string SftTokens = "sft/tokens";
    public const string SftLr = "sft/lr";

    public const string Epoch = "training/epoch";
    public const string RolloutProbsDiffMean = "training/rollout_probs_diff_mean";
    public const string RolloutProbsDiffMax = "training/rollout_probs_diff_max";
    public const string RolloutProbsDiffStd = "training/rollout_probs_diff_std";
#pragma warning restore CS1591

    /// <summary>
    /// The training-batch mean of a reward function or component, TRL's naming: <c>rewards/toolrl/mean</c>,
    /// <c>rewards/toolrl/format/mean</c>.
    /// </summary>
    public static string RewardFunctionMean(string function) => $"rewards/{function}/mean";

    /// <summary>The training-batch standard deviation of a reward function or component (<c>rewards/{name}/std</c>).</summary>
    public static string RewardFunctionStd(string function) => $"rewards/{function}/std";

    /// <summary>The held-out mean of a reward function or component (<c>val/rewards/{name}/mean</c>).</summary>
    public static string ValRewardFunctionMean(string function) => $"val/rewards/{function}/mean";
}
