using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// RLOO, REINFORCE with the leave-one-out baseline (Kool et al. 2019; Ahmadian et al. 2024, arXiv:2402.14740),
/// as verl's <c>compute_rloo_outcome_advantage</c> (core_algos.py, <c>rloo</c>): score s_i = Σ_t r_i,t; in a group
/// of n &gt; 1, A_i = s_i − (1/(n−1))·Σ_{j≠i} s_j = n/(n−1)·(s_i − mean_g); a group of one has no baseline and keeps
/// its raw score (verl). A_i is broadcast to every valid token; returns equal advantages.
/// </summary>
public static class RlooAdvantage
{
    /// <summary>Computes the token-level advantages, shape (B, T), zero outside the mask.</summary>
    /// <param name="tokenLevelRewards">Shape (B, T).</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="groupIds">Length B: responses with the same id were sampled for the same prompt.</param>
    public static Tensor Compute(Tensor tokenLevelRewards, Tensor responseMask, IReadOnlyList<long> groupIds)
    {
        OutcomeScores.CheckGroups(tokenLevelRewards, groupIds);
        return OutcomeScores.Broadcast(SequenceAdvantages(OutcomeScores.Of(tokenLevelRewards), groupIds), tokenLevelRewards, responseMask);
    }

    /// <summary>The per-response advantage from per-response scores.</summary>
    public static double[] SequenceAdvantages(IReadOnlyList<double> scores, IReadOnlyList<long> groupIds)
    {
        var advantages = scores.ToArray();
        foreach (var members in OutcomeScores.Groups(groupIds))
        {
            var n = members.Length;
            if (n == 1)
            {
                continue;
            }
            var mean = members.Average(i => scores[i]);
            foreach (var i in members)
            {
                advantages[i] = (scores[i] - mean) * n / (n - 1);
            }
        }
        return advantages;
    }
}
