using ToolRL.Algorithms;
using ToolRL.Data;

namespace ToolRL.Configuration;

/// <summary>Which trainer runs (<c>algorithm</c>).</summary>
public enum AlgorithmKind
{
    /// <summary>Supervised fine-tuning (cross-entropy on assistant tokens).</summary>
    Sft,
    /// <summary>GRPO: group-normalised outcome advantage, no critic.</summary>
    Grpo,
    /// <summary>PPO with a critic and GAE.</summary>
    Ppo,
    /// <summary>Rejection-sampling fine-tuning in an environment (after the SFT warm start), then stop.</summary>
    Rft,
}

/// <summary>Learning-rate schedule (<c>lr_scheduler.type</c>).</summary>
public enum LrSchedulerType
{
    /// <summary>Constant after warmup (verl default).</summary>
    Constant,
    /// <summary>Linear decay to <c>min_lr_ratio</c> after warmup (HF default).</summary>
    Linear,
    /// <summary>Half-cosine decay to <c>min_lr_ratio</c> after warmup.</summary>
    Cosine,
}

/// <summary>Floating-point type of weights and compute (<c>dtype</c>).</summary>
public enum ComputeDType
{
    /// <summary><c>float32</c>.</summary>
    Float32,
    /// <summary><c>bfloat16</c>.</summary>
    BFloat16,
    /// <summary><c>float16</c>.</summary>
    Float16,
}

/// <summary>Difficulty preset of the synthetic task (<c>data.synthetic.preset</c>), one of <see cref="SyntheticTaskOptions"/>'s presets.</summary>
public enum SyntheticPreset
{
    /// <summary><see cref="SyntheticTaskOptions.Tiny"/>: for a few-million-parameter model on CPU.</summary>
    Tiny,
    /// <summary><see cref="SyntheticTaskOptions.Default"/>.</summary>
    Default,
    /// <summary><see cref="SyntheticTaskOptions.Hard"/>.</summary>
    Hard,
}

/// <summary>The JSON names of every configuration enum.</summary>
internal static class ConfigEnumNames
{
    public static readonly EnumNames<AlgorithmKind> Algorithm = new(
        (AlgorithmKind.Sft, ["sft"]), (AlgorithmKind.Grpo, ["grpo"]), (AlgorithmKind.Ppo, ["ppo"]), (AlgorithmKind.Rft, ["rft"]));

    public static readonly EnumNames<LossAggregationMode> LossAgg = new(
        (LossAggregationMode.TokenMean, ["token-mean"]),
        (LossAggregationMode.SeqMeanTokenSum, ["seq-mean-token-sum"]),
        (LossAggregationMode.SeqMeanTokenMean, ["seq-mean-token-mean"]),
        (LossAggregationMode.SeqMeanTokenSumNorm, ["seq-mean-token-sum-norm"]));

    public static readonly EnumNames<KlEstimator> Kl = new(
        (KlEstimator.K1, ["kl", "k1"]), (KlEstimator.Abs, ["abs"]),
        (KlEstimator.K2, ["mse", "k2"]), (KlEstimator.K3, ["low_var_kl", "k3"]));

    public static readonly EnumNames<KlControllerType> KlCtrl = new(
        (KlControllerType.Fixed, ["fixed"]), (KlControllerType.Adaptive, ["adaptive"]));

    public static readonly EnumNames<KlAggregation> KlAgg = new(
        (KlAggregation.SeqMeanTokenMean, ["seq-mean-token-mean"]), (KlAggregation.SeqMeanTokenSum, ["seq-mean-token-sum"]));

    public static readonly EnumNames<LrSchedulerType> LrScheduler = new(
        (LrSchedulerType.Constant, ["constant"]), (LrSchedulerType.Linear, ["linear"]), (LrSchedulerType.Cosine, ["cosine"]));

    public static readonly EnumNames<ComputeDType> DType = new(
        (ComputeDType.Float32, ["float32", "fp32"]), (ComputeDType.BFloat16, ["bfloat16", "bf16"]), (ComputeDType.Float16, ["float16", "fp16"]));

    public static readonly EnumNames<InvalidRowPolicy> InvalidRows = new(
        (InvalidRowPolicy.Skip, ["skip"]), (InvalidRowPolicy.Fail, ["error", "fail"]));

    public static readonly EnumNames<PromptTruncation> Truncation = new(
        (PromptTruncation.Error, ["error"]), (PromptTruncation.Left, ["left"]), (PromptTruncation.Right, ["right"]));

    public static readonly EnumNames<SyntheticInstructions> SyntheticInstructions = new(
        (Data.SyntheticInstructions.Minimal, ["minimal"]), (Data.SyntheticInstructions.Compact, ["compact"]), (Data.SyntheticInstructions.Full, ["full"]));

    public static readonly EnumNames<SyntheticValueRange> SyntheticValueRange = new(
        (Data.SyntheticValueRange.Typical, ["typical"]), (Data.SyntheticValueRange.Wide, ["wide"]));

    public static readonly EnumNames<SyntheticPreset> SyntheticPreset = new(
        (Configuration.SyntheticPreset.Tiny, ["tiny"]), (Configuration.SyntheticPreset.Default, ["default"]), (Configuration.SyntheticPreset.Hard, ["hard"]));
}
