using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using static ToolRL.Torch.torch;

namespace ToolRL.Training.Metrics;

/// <summary>
/// How far the sampler's token probabilities are from the trainer's, verl's <c>training/rollout_probs_diff_*</c>
/// (<c>verl/utils/debug/metrics.py</c>): over the generated (loss-mask) tokens, d = |exp(log p_trainer) − exp(log p_sampler)|,
/// logged as the mean, max and unbiased (n − 1) standard deviation of d. Near 0 when the two compute the same
/// distribution (same weights, same precision); it grows with numerical drift between sampling and scoring (bf16,
/// kernels, a stale sampler). Kept as sums so micro-batches and data-parallel ranks combine exactly.
/// </summary>
/// <param name="Count">Tokens counted.</param>
/// <param name="Sum">Σ d.</param>
/// <param name="SumOfSquares">Σ d².</param>
/// <param name="Max">max d (0 when nothing was counted).</param>
internal readonly record struct RolloutProbsDiff(double Count, double Sum, double SumOfSquares, double Max)
{
    /// <summary>
    /// The sums over the tokens where <paramref name="mask"/> [B, R] is non-zero, of the trainer's
    /// <paramref name="trainerLogProbs"/> and the sampler's <paramref name="samplerLogProbs"/> (both [B, R]).
    /// </summary>
    public static RolloutProbsDiff Of(Tensor trainerLogProbs, Tensor samplerLogProbs, Tensor mask)
    {
        using var scope = NewScope();
        var trainer = trainerLogProbs.Detach().To(DType.Float64, Device.Cpu).Exp();
        var sampler = samplerLogProbs.To(DType.Float64, Device.Cpu).Exp();
        var values = (trainer - sampler).Abs().MaskedSelect(mask.To(Device.Cpu).Gt(0)).Contiguous().ToArray<double>();
        return new RolloutProbsDiff(values.Length, values.Sum(), values.Sum(v => v * v), values.Length == 0 ? 0 : values.Max());
    }

    /// <summary>The sums of both parts (micro-batches of one step).</summary>
    public RolloutProbsDiff Add(RolloutProbsDiff other) =>
        new(Count + other.Count, Sum + other.Sum, SumOfSquares + other.SumOfSquares, Math.Max(Max, other.Max));

    /// <summary>The sums of every rank's <paramref name="mine"/> (data-parallel micro-batches); <paramref name="mine"/> without a group.</summary>
    public static RolloutProbsDiff AcrossRanks(ProcessGroup? group, RolloutProbsDiff mine)
    {
        if (group is not { WorldSize: > 1 })
        {
            return mine;
        }
        var sums = new[] { mine.Count, mine.Sum, mine.SumOfSquares };
        RankShare.Sum(group, sums);
        using var scope = NewScope();
        var max = FromArray(new[] { mine.Max });
        group.AllReduce(max, ReduceOp.Max);
        return new RolloutProbsDiff(sums[0], sums[1], sums[2], max.ToArray<double>()[0]);
    }

    /// <summary>The mean of d (NaN when no token was counted).</summary>
    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>The unbiased standard deviation of d, as <c>torch.std</c> (NaN below two tokens).</summary>
    public double Std => Count < 2 ? double.NaN : Math.Sqrt(Math.Max(0, (SumOfSquares - Sum * Sum / Count) / (Count - 1)));

    /// <summary>Writes <c>training/rollout_probs_diff_{mean,max,std}</c> (nothing when no token was counted).</summary>
    public void WriteTo(IDictionary<string, double> metrics)
    {
        if (Count == 0)
        {
            return;
        }
        metrics[MetricNames.RolloutProbsDiffMean] = Mean;
        metrics[MetricNames.RolloutProbsDiffMax] = Max;
        metrics[MetricNames.RolloutProbsDiffStd] = Std;
    }
}
