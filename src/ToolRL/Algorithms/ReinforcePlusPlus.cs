using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// REINFORCE++ and REINFORCE++-baseline (Hu 2025, arXiv:2501.03262), as verl computes them (core_algos.py,
/// <c>reinforce_plus_plus</c> and <c>reinforce_plus_plus_baseline</c>): no critic; the advantages are whitened over
/// every valid token of the batch (the global normalisation that replaces GRPO's per-group std).
/// </summary>
public static class ReinforcePlusPlus
{
    /// <summary>
    /// REINFORCE++: the discounted return G_t = r_t + γ·G_{t+1}, the running return reset to 0 after each position
    /// where the mask is 0 (verl: "reset after EOS"; a masked observation therefore cuts the chain);
    /// advantages = whiten(G) over valid tokens, zero outside the mask; returns = G.
    /// </summary>
    /// <param name="tokenLevelRewards">Shape (B, T): the outcome on the last generated token, plus any per-token rewards and KL penalty.</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="gamma">Discount γ (<c>gamma</c>).</param>
    public static AdvantageResult Compute(Tensor tokenLevelRewards, Tensor responseMask, double gamma)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var shape = tokenLevelRewards.Shape;
        var (batch, length) = (shape[0], shape[1]);
        // A backward recursion in t, run on the host in double precision (as Gae).
        var r = tokenLevelRewards.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var m = responseMask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var returns = new double[r.Length];
        for (long i = 0; i < batch; i++)
        {
            double running = 0;
            for (var t = length - 1; t >= 0; t--)
            {
                var k = i * length + t;
                running = r[k] + gamma * running;
                returns[k] = running;
                running *= m[k];
            }
        }
        var g = torch.FromArray(returns, batch, length).To(tokenLevelRewards.DType, tokenLevelRewards.Device);
        var mask = Masked.AsWeights(responseMask, g);
        var advantages = Masked.Whiten(g, mask) * mask;
        return new AdvantageResult(scope.MoveToOuter(advantages), scope.MoveToOuter(g));
    }

    /// <summary>
    /// REINFORCE++-baseline: A_i = s_i − mean_g (the group mean of the scores s = Σ_t r_t; a group of one has
    /// baseline 0), broadcast to every valid token, then whitened over the valid tokens of the batch.
    /// </summary>
    /// <param name="tokenLevelRewards">Shape (B, T).</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="groupIds">Length B: responses with the same id were sampled for the same prompt.</param>
    public static Tensor ComputeWithBaseline(Tensor tokenLevelRewards, Tensor responseMask, IReadOnlyList<long> groupIds)
    {
        OutcomeScores.CheckGroups(tokenLevelRewards, groupIds);
        var scores = OutcomeScores.Of(tokenLevelRewards);
        var centred = scores.ToArray();
        foreach (var members in OutcomeScores.Groups(groupIds).Where(g => g.Length > 1))
        {
            var mean = members.Average(i => scores[i]);
            foreach (var i in members)
            {
                centred[i] = scores[i] - mean;
            }
        }
        using var scope = torch.NewScope();
        var mask = Masked.AsWeights(responseMask, tokenLevelRewards);
        var broadcast = OutcomeScores.Broadcast(centred, tokenLevelRewards, responseMask);
        return scope.MoveToOuter(Masked.Whiten(broadcast, mask) * mask);
    }
}
