using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// Turn-level advantages for GRPO-style training without a critic (<c>adv_estimator: turn_reward_to_go</c>): a turn
/// is a maximal run of generated (mask-1) tokens; its reward r_k is the sum of the token-level rewards on it (a
/// per-step reward on the turn's last token, the outcome on the last turn's, minus β·KL when KL is in the reward).
/// Per turn, the discounted return over turns G_{i,k} = Σ_{j≥k} γ^(j−k)·r_{i,j} (reward-to-go: past turns' rewards
/// are dropped); every token of turn k gets
/// A_{i,k} = (G_{i,k} − b_i) / (std_g(G_{·,0}) + ε) with b_i = mean_{j∈g, j≠i} G_{j,0},
/// the leave-one-out mean of the other group members' returns from the shared start state (RLOO's baseline,
/// Kool et al. 2019; the division is GRPO's, off when <c>norm_adv_by_std_in_grpo</c> is false).
/// </summary>
/// <remarks>
/// Why this baseline: normalising per turn index (MT-GRPO style: turn k's return compared with the group's returns
/// at turn k) subtracts a baseline whose number of terms depends on the trajectory's own stopping turn, so it is
/// action-dependent and biased whenever the policy decides how many turns to take; the bias is an implicit bonus or
/// penalty of the group's mean intermediate reward on every "take another turn" (verl RFC
/// https://github.com/verl-project/verl/issues/7244). b_i depends neither on trajectory i's actions nor on its
/// turn count, and dropping past rewards is unbiased, so the estimator is unbiased up to GRPO's std scale.
/// A group of one gets advantage 0, as <see cref="GrpoAdvantage"/>.
/// </remarks>
public static class TurnLevelAdvantage
{
    /// <summary>Computes the token-level advantages (zero outside the mask).</summary>
    /// <param name="tokenLevelRewards">Shape (B, T).</param>
    /// <param name="responseMask">Shape (B, T): 1 on generated tokens; observation tokens between turns are 0.</param>
    /// <param name="groupIds">Length B: trajectories of the same task share an id.</param>
    /// <param name="gamma">Discount per turn.</param>
    /// <param name="epsilon">Added to the std.</param>
    /// <param name="normalizeByStd">Divide by the group's std of G_{·,0}.</param>
    public static Tensor Compute(Tensor tokenLevelRewards, Tensor responseMask, IReadOnlyList<long> groupIds,
        double gamma = 1.0, double epsilon = GrpoAdvantage.DefaultEpsilon, bool normalizeByStd = true)
    {
        OutcomeScores.CheckGroups(tokenLevelRewards, groupIds);
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var (batch, length) = (tokenLevelRewards.Size(0), tokenLevelRewards.Size(1));
        var r = tokenLevelRewards.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var m = responseMask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var turns = new List<(int Start, int End)>[batch];
        var returns = new double[batch][];
        for (var i = 0; i < batch; i++)
        {
            var row = new ReadOnlySpan<double>(m, (int)(i * length), (int)length);
            turns[i] = Turns(row);
            var turnRewards = turns[i].Select(t => SegmentSum(r, m, i * length, t)).ToArray();
            returns[i] = RewardToGo(turnRewards, gamma);
        }
        var advantages = new double[r.Length];
        foreach (var members in OutcomeScores.Groups(groupIds))
        {
            if (members.Length == 1)
            {
                continue;
            }
            var starts = members.Select(i => StartReturn(returns[i])).ToArray();
            var mean = starts.Average();
            var std = Math.Sqrt(starts.Sum(s => (s - mean) * (s - mean)) / (starts.Length - 1));
            var scale = normalizeByStd ? 1 / (std + epsilon) : 1;
            foreach (var i in members)
            {
                var baseline = (starts.Sum() - StartReturn(returns[i])) / (members.Length - 1);
                for (var k = 0; k < turns[i].Count; k++)
                {
                    var a = (returns[i][k] - baseline) * scale;
                    for (var t = turns[i][k].Start; t <= turns[i][k].End; t++)
                    {
                        advantages[i * length + t] = a;
                    }
                }
            }
        }
        var result = torch.FromArray(advantages, batch, length).To(tokenLevelRewards.DType, tokenLevelRewards.Device);
        return scope.MoveToOuter(result);
    }

    /// <summary>G_k = Σ_{j≥k} γ^(j−k)·r_j for each turn k.</summary>
    public static double[] RewardToGo(IReadOnlyList<double> turnRewards, double gamma)
    {
        var g = new double[turnRewards.Count];
        double running = 0;
        for (var k = turnRewards.Count - 1; k >= 0; k--)
        {
            running = turnRewards[k] + gamma * running;
            g[k] = running;
        }
        return g;
    }

    /// <summary>The maximal runs of mask-1 positions, as inclusive [start, end] pairs in order.</summary>
    public static List<(int Start, int End)> Turns(ReadOnlySpan<double> mask)
    {
        var turns = new List<(int, int)>();
        var start = -1;
        for (var t = 0; t <= mask.Length; t++)
        {
            var on = t < mask.Length && mask[t] > 0;
            if (on && start < 0)
            {
                start = t;
            }
            else if (!on && start >= 0)
            {
                turns.Add((start, t - 1));
                start = -1;
            }
        }
        return turns;
    }

    private static double StartReturn(double[] g) => g.Length > 0 ? g[0] : 0;

    private static double SegmentSum(double[] r, double[] m, long offset, (int Start, int End) turn)
    {
        double sum = 0;
        for (var t = turn.Start; t <= turn.End; t++)
        {
            sum += r[offset + t] * m[offset + t];
        }
        return sum;
    }
}
