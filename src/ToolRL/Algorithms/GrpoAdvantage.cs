using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// GRPO outcome advantage (verl core_algos.py:266-330, compute_grpo_outcome_advantage; Shao et al. 2024):
/// score_i = Σ_t r_i,t; within each group g, A_i = (score_i − mean_g) / (std_g + ε) with the unbiased (N−1) std,
/// or A_i = score_i − mean_g when <c>norm_adv_by_std_in_grpo</c> is off (Dr.GRPO); A_i is broadcast to every
/// valid token. A group of one gets advantage 0 (issue 7; as slime, which drops std normalisation at n = 1;
/// verl would use mean 0 and std 1 and pass the raw score through). Returns equal advantages (verl returns the
/// same tensor twice).
/// </summary>
public static class GrpoAdvantage
{
    /// <summary>verl's default ε in the denominator.</summary>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>Computes the token-level advantages.</summary>
    /// <param name="tokenLevelRewards">Shape (B, T): outcome reward on the last token, minus β·KL per token if KL is in the reward.</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="groupIds">Length B: responses with the same id were sampled from the same prompt (any order).</param>
    /// <param name="epsilon">Added to the std (1e-6, verl/slime; TRL uses 1e-4).</param>
    /// <param name="normalizeByStd">False = Dr.GRPO (no division by the std).</param>
    /// <returns>Shape (B, T) advantages, zero outside the mask.</returns>
    public static Tensor Compute(Tensor tokenLevelRewards, Tensor responseMask, IReadOnlyList<long> groupIds,
        double epsilon = DefaultEpsilon, bool normalizeByStd = true)
    {
        OutcomeScores.CheckGroups(tokenLevelRewards, groupIds);
        var perSequence = SequenceAdvantages(OutcomeScores.Of(tokenLevelRewards), groupIds, epsilon, normalizeByStd);
        return OutcomeScores.Broadcast(perSequence, tokenLevelRewards, responseMask);
    }

    /// <summary>The per-response scalar advantage from per-response scores (the group statistics, in double precision).</summary>
    public static double[] SequenceAdvantages(IReadOnlyList<double> scores, IReadOnlyList<long> groupIds, double epsilon = DefaultEpsilon, bool normalizeByStd = true)
    {
        var advantages = new double[scores.Count];
        foreach (var members in OutcomeScores.Groups(groupIds))
        {
            if (members.Length == 1)
            {
                advantages[members[0]] = 0;
                continue;
            }
            var mean = members.Average(i => scores[i]);
            var std = Math.Sqrt(members.Sum(i => (scores[i] - mean) * (scores[i] - mean)) / (members.Length - 1));
            foreach (var i in members)
            {
                advantages[i] = normalizeByStd ? (scores[i] - mean) / (std + epsilon) : scores[i] - mean;
            }
        }
        return advantages;
    }
}
