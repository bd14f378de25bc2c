using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// The two halves every outcome estimator shares (GRPO, Dr.GRPO, RLOO, REINFORCE++-baseline): the per-sequence
/// score Σ_t r_t read to the host in double precision, and a per-sequence advantage broadcast back over the valid
/// tokens.
/// </summary>
internal static class OutcomeScores
{
    /// <summary>Σ_t r_i,t per sequence, in double precision.</summary>
    public static double[] Of(Tensor tokenLevelRewards)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        return tokenLevelRewards.Sum(-1).To(DType.Float64, Device.Cpu).ToArray<double>();
    }

    /// <summary>A_i on every valid token of row i (shape and dtype of <paramref name="like"/>, zero outside the mask).</summary>
    public static Tensor Broadcast(double[] perSequence, Tensor like, Tensor responseMask)
    {
        using var scope = torch.NewScope();
        var column = torch.FromArray(perSequence, perSequence.Length, 1).To(like.DType, like.Device);
        return scope.MoveToOuter(column * Masked.AsWeights(responseMask, like));
    }

    /// <summary>The members of each group, groups in order of first appearance.</summary>
    public static IEnumerable<int[]> Groups(IReadOnlyList<long> groupIds) =>
        Enumerable.Range(0, groupIds.Count).GroupBy(i => groupIds[i]).Select(g => g.ToArray());

    /// <summary>Checks there is one group id per sequence.</summary>
    public static void CheckGroups(Tensor tokenLevelRewards, IReadOnlyList<long> groupIds)
    {
        var batch = tokenLevelRewards.Size(0);
        if (groupIds.Count != batch)
        {
            throw new ArgumentException($"groupIds has {groupIds.Count} entries but the batch has {batch} responses; give one group id per response.", nameof(groupIds));
        }
    }
}
