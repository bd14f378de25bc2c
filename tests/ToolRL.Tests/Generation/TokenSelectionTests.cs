using ToolRL.Generation;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Generation;

public class TokenSelectionTests
{
    [Fact]
    public void Nucleus_keeps_the_smallest_prefix_reaching_top_p_like_transformers()
    {
        using var scope = NewScope();
        // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.8 keeps the first two (transformers removes cumsum_asc ≤ 0.2).
        var logits = FromArray(new[] { 0.5f, 0.3f, 0.15f, 0.05f }, 1, 4).Log();
        var kept = TokenSelection.NucleusOfSorted(logits, 0.8, logits.LogSumExp(-1, keepDim: true)).ToArray<float>();
        Assert.True(float.IsFinite(kept[0]) && float.IsFinite(kept[1]));
        Assert.True(float.IsNegativeInfinity(kept[2]) && float.IsNegativeInfinity(kept[3]));
        var tiny = TokenSelection.NucleusOfSorted(logits, 0.01, logits.LogSumExp(-1, keepDim: true)).ToArray<float>();
        Assert.True(float.IsFinite(tiny[0]) && float.IsNegativeInfinity(tiny[1]));   // the best token always survives
    }

    /// <summary>
    /// Top-p over the best 1,024 candidates, normalised by the whole vocabulary's log-sum-exp, keeps exactly the
    /// tokens the full sort keeps (here the nucleus is ~60 of 5,000 tokens).
    /// </summary>
    [Fact]
    public void Nucleus_of_the_best_candidates_equals_the_nucleus_of_the_full_sort()
    {
        using var scope = NewScope();
        using var g = new ToolRL.Torch.Generator(4);
        var logits = Randn([3, 5000], g) * 3;
        var lse = logits.LogSumExp(-1, keepDim: true);
        var (all, allOrder) = logits.Sort(-1, descending: true);
        var (best, bestOrder) = logits.TopK(1024, -1);
        var full = TokenSelection.NucleusOfSorted(all, 0.9, lse);
        var candidates = TokenSelection.NucleusOfSorted(best, 0.9, lse);
        var keptFull = full.IsFinite().Sum(-1).ToArray<long>();
        Assert.Equal(keptFull, candidates.IsFinite().Sum(-1).ToArray<long>());
        Assert.All(keptFull, n => Assert.InRange(n, 2, 1000));
        Assert.Equal(allOrder.Narrow(1, 0, 1024).MaskedSelect(full.Narrow(1, 0, 1024).IsFinite()).ToArray<long>(),
            bestOrder.MaskedSelect(candidates.IsFinite()).ToArray<long>());
    }

    /// <summary>Top-p sampling only ever returns nucleus tokens (float64 nucleus of a 5,000-token vocabulary).</summary>
    [Fact]
    public void Top_p_sampling_draws_only_from_the_nucleus()
    {
        using var scope = NewScope();
        using var g = new ToolRL.Torch.Generator(5);
        var row = Randn([1, 5000], g) * 3;
        var logits = row.Expand(400, 5000).Contiguous();
        var probs = row.To(ToolRL.Torch.DType.Float64).Softmax(-1).ToArray<double>();
        var order = Enumerable.Range(0, 5000).OrderByDescending(i => probs[i]).ToArray();
        var nucleus = new HashSet<int>();
        var mass = 0.0;
        foreach (var i in order)
        {
            if (mass >= 0.9)
            {
                break;
            }
            nucleus.Add(i);
            mass += probs[i];
        }
        var options = new GenerationOptions { DoSample = true, Temperature = 1.0, TopP = 0.9 };
        using var sampling = new ToolRL.Torch.Generator(6);
        var (ids, _) = TokenSelection.ChooseWithLogProbs(logits, null, options, sampling);
        var drawn = ids.ToArray<long>();
        Assert.All(drawn, id => Assert.Contains((int)id, nucleus));
        Assert.True(drawn.Distinct().Count() > 5, "the draws should spread over the nucleus");
    }

    [Fact]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_seen_logits()
    {
        using var scope = NewScope();
        var logits = FromArray(new[] { 2f, -2f, 2f, -2f }, 1, 4);
        var seen = FromArray(new[] { true, true, false, false }, 1, 4);
        Assert.Equal([1f, -4f, 2f, -2f], TokenSelection.ApplyRepetitionPenalty(logits, seen, 2.0).ToArray<float>());
    }
}
