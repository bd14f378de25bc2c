using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Torch;

namespace ToolRL.Training;

/// <summary>
/// The algorithm objects a training configuration selects. They live here, not in ToolRL.Algorithms, so the pure
/// math depends on tensors only and never on the configuration.
/// </summary>
internal static class ConfiguredAlgorithms
{
    /// <summary>The KL-in-reward controller (<c>kl_ctrl</c>, <c>kl_coef</c>), starting from a checkpoint's β when given.</summary>
    public static KlController CreateKlController(TrainingConfig config, double? restoredValue = null)
    {
        var initial = restoredValue ?? config.KlCoef;
        return config.KlCtrl.Type == KlControllerType.Adaptive
            ? new AdaptiveKlController(initial, config.KlCtrl.TargetKl, config.KlCtrl.Horizon)
            : new FixedKlController(initial);
    }

    /// <summary>The clipped surrogate's settings (<c>clip_ratio_low/high/c</c>, <c>loss_agg_mode</c>).</summary>
    public static PolicyLossSettings PolicyLossSettingsOf(TrainingConfig config) =>
        new(config.ClipRatioLow, config.ClipRatioHigh, config.ClipRatioC, config.LossAggMode);

    /// <summary>The advantage estimator named by <c>adv_estimator</c>.</summary>
    public static AdvantageEstimator EstimatorOf(TrainingConfig config) => AdvantageEstimators.Default.Get(config.EffectiveAdvEstimator);

    /// <summary>The policy loss named by <c>policy_loss</c>.</summary>
    public static PolicyLossFn PolicyLossOf(TrainingConfig config) => PolicyLosses.Default.Get(config.PolicyLoss);

    /// <summary>The estimator's inputs from the step and the configuration (<c>gamma</c>, <c>lam</c>, normalisation switches).</summary>
    public static AdvantageInput AdvantageInputOf(TrainingConfig config, Tensor tokenLevelRewards, Tensor responseMask, IReadOnlyList<long> groupIds, Tensor? values) =>
        new(tokenLevelRewards, responseMask, groupIds)
        {
            Values = values,
            Gamma = config.Gamma,
            Lam = config.Lam,
            NormalizeAdvantages = config.NormalizeAdvantages,
            NormalizeByStd = config.NormAdvByStdInGrpo,
        };
}
