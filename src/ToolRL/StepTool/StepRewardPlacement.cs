using ToolRL.Algorithms;
using ToolRL.Torch;

namespace ToolRL.StepTool;

/// <summary>How a step's score is weighted where it is placed.</summary>
public enum StepWeighting
{
    /// <summary>
    /// As StepTool's code (<c>step_ppotrainer.py</c> compute_rewards): step i of T adds score_i·(T − 1 − i). The
    /// final step (its IsSolved score) gets weight 0 and never trains; the first step is weighted most, so earlier
    /// steps carry more of the trajectory's credit. For parity with the published runs.
    /// </summary>
    Reference,

    /// <summary>Each step adds its score once on its last token ("score at the step's last token"), the final score included.</summary>
    LastToken,
}

/// <summary>
/// Places StepTool's per-step scores on tokens. The trained (mask-1) positions form one segment per step output;
/// steps are matched to segments from the end (the last score to the last segment), and each score goes on the last
/// position of its segment. When left truncation removed early segments, their scores are dropped, as in StepTool.
/// </summary>
public static class StepRewardPlacement
{
    /// <summary>The weight of step <paramref name="step"/> of <paramref name="steps"/> under <paramref name="weighting"/>.</summary>
    public static double Weight(int step, int steps, StepWeighting weighting) => weighting switch
    {
        StepWeighting.Reference => steps - 1 - step,
        StepWeighting.LastToken => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "unknown step weighting"),
    };

    /// <summary>Per-position additions for one sequence: score·weight on each step's last trained position, 0 elsewhere.</summary>
    /// <param name="mask">True on trained positions.</param>
    /// <param name="scores">One score per step, in step order.</param>
    /// <param name="weighting">The weighting.</param>
    public static double[] Place(IReadOnlyList<bool> mask, IReadOnlyList<double> scores, StepWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(scores);
        var placed = new double[mask.Count];
        foreach (var (step, position) in StepEnds(mask, scores.Count))
        {
            placed[position] += scores[step] * Weight(step, scores.Count, weighting);
        }
        return placed;
    }

    /// <summary>
    /// The (step, position) pairs StepTool's loop visits: from the last step backwards, the last mask-1 position of
    /// the remaining mask, after which that segment and the gap before it are cut off; it stops when no mask-1
    /// position or no gap is left.
    /// </summary>
    public static IReadOnlyList<(int Step, int Position)> StepEnds(IReadOnlyList<bool> mask, int steps)
    {
        var ends = new List<(int, int)>();
        var end = mask.Count - 1;
        for (var step = steps - 1; step >= 0; step--)
        {
            while (end >= 0 && !mask[end])
            {
                end--;
            }
            if (end < 0)
            {
                break;
            }
            ends.Add((step, end));
            while (end >= 0 && mask[end])
            {
                end--;
            }
            if (end < 0)
            {
                break; // the segment started at position 0: no gap left, StepTool stops
            }
        }
        return ends;
    }

    /// <summary>
    /// StepTool's whole token-level reward (<c>step_ppotrainer.py:356-384</c>): −β·(logp − ref_logp) on every
    /// position plus the placed step scores. trl then multiplies it by the mask before GAE
    /// (<see cref="DecayingGae"/>), so only trained positions keep their KL term.
    /// </summary>
    /// <param name="logProbs">Shape (B, T): log-probs of the policy before the update.</param>
    /// <param name="refLogProbs">Shape (B, T): the reference policy's.</param>
    /// <param name="mask">Shape (B, T): 1 on trained positions.</param>
    /// <param name="scores">Per row, one score per step.</param>
    /// <param name="beta">The KL coefficient (the adaptive controller's current value).</param>
    /// <param name="weighting">The step weighting.</param>
    public static Tensor TokenRewards(Tensor logProbs, Tensor refLogProbs, Tensor mask, IReadOnlyList<IReadOnlyList<double>> scores, double beta, StepWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(scores);
        using var scope = torch.NewScope();
        var width = (int)mask.Size(1);
        var flags = mask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var placedRows = new double[scores.Count * width];
        for (var i = 0; i < scores.Count; i++)
        {
            var rowMask = flags.AsSpan(i * width, width).ToArray().Select(v => v > 0).ToArray();
            Place(rowMask, scores[i], weighting).CopyTo(placedRows, i * width);
        }
        var placed = torch.FromArray(placedRows, scores.Count, width).To(logProbs.DType, logProbs.Device);
        var kl = KlPenalty.Estimate(logProbs, refLogProbs, KlEstimator.K1);
        return scope.MoveToOuter(placed - kl * beta);
    }

    /// <summary>
    /// The KL statistic StepTool's adaptive controller reads (<c>objective/kl</c>, step_ppotrainer.py:403-407): the
    /// batch mean of each sequence's summed KL Σ_t (logp − ref_logp)·mask_t. (The trainers' controller reads the
    /// per-sequence token mean instead, verl's <c>actor/reward_kl_penalty</c>; see docs/steptool.md.)
    /// </summary>
    public static double SequenceSumKl(Tensor logProbs, Tensor refLogProbs, Tensor mask)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        return Masked.Sum(logProbs - refLogProbs, mask, -1).Mean().ItemDouble();
    }
}
