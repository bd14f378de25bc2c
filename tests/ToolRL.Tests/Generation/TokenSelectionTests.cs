using ToolRL.Generation;
using static ToolRL.Torch.Torch;

namespace ToolRL.Tests.Generation;

public class TokenSelectionTests
{
    [Fact]
    public void Nucleus_keeps_the_smallest_prefix_reaching_top_p_like_transformers()
    {
        using var scope = NewScope();
        // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.8 keeps the first two (transformers removes cumsum_asc ≤ 0.2).
        var logits = FromArray(new[] { 0.5f, 0.3f, 0.15f, 0.05f }, 1, 4).Log();
        var kept = TokenSelection.NucleusOfSorted(logits, 0.8).ToArray<float>();
        Assert.True(float.IsFinite(kept[0]) && float.IsFinite(kept[1]));
        Assert.True(float.IsNegativeInfinity(kept[2]) && float.IsNegativeInfinity(kept[3]));
        var tiny = TokenSelection.NucleusOfSorted(logits, 0.01).ToArray<float>();
        Assert.True(float.IsFinite(tiny[0]) && float.IsNegativeInfinity(tiny[1]));   // the best token always survives
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
