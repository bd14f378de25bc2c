using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// Argument-level credit for critic-free estimators (<c>argument_credit</c>). An outcome advantage puts one number on
/// every token, so the tokens that copied a value right share the blame for a wrong value elsewhere in the call; with
/// a near-deterministic policy most of a group's reward spread comes from such unrelated slips, and the update is
/// mostly noise. Here the tokens of each scored decision k (a <see cref="CreditSpan"/>) get that decision's own
/// group-relative advantage, GRPO's outcome formula (Shao et al. 2024, §4.1.2; <see cref="GrpoAdvantage"/>) applied to the decision's score instead of the
/// outcome's:
/// A_{i,t} = (s_{i,k} − mean_{j∈G_k} s_{j,k}) / (std_{j∈G_k} s_{j,k} + ε) for t in the span of (i, k),
/// where G_k holds the members of i's group that made decision k (unbiased std; no division when
/// <c>normalizeByStd</c> is off, as Dr.GRPO). Every other token keeps its outcome advantage, and so does a decision
/// made by fewer than two members (nothing to compare it with). A decision every member scored alike gets 0: the
/// group shows no better choice there. It is the token-level analogue of the fine-grained ToolRL reward, which
/// already scores every parameter value (Qian et al. 2025, R_correct's parameter-value matches).
/// </summary>
public static class ArgumentCreditAdvantage
{
    /// <summary>Replaces the outcome advantages on credited spans.</summary>
    /// <param name="outcomeAdvantages">Shape (B, T): an outcome estimator's advantages.</param>
    /// <param name="responseMask">Shape (B, T): 1 on generated tokens; only those are credited.</param>
    /// <param name="spans">Per response (length B): its credit spans, or null for none.</param>
    /// <param name="groupIds">Length B: responses to the same prompt share an id.</param>
    /// <param name="epsilon">Added to the std.</param>
    /// <param name="normalizeByStd">Divide by the decision's group std (false: Dr.GRPO).</param>
    /// <returns>The advantages (shape and dtype of <paramref name="outcomeAdvantages"/>) and the fraction of valid tokens credited.</returns>
    public static (Tensor Advantages, double CreditedFraction) Apply(Tensor outcomeAdvantages, Tensor responseMask,
        IReadOnlyList<IReadOnlyList<CreditSpan>?> spans, IReadOnlyList<long> groupIds,
        double epsilon = GrpoAdvantage.DefaultEpsilon, bool normalizeByStd = true)
    {
        OutcomeScores.CheckGroups(outcomeAdvantages, groupIds);
        if (spans.Count != groupIds.Count)
        {
            throw new ArgumentException($"spans has {spans.Count} entries but the batch has {groupIds.Count} responses; give one list per response.", nameof(spans));
        }
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var (batch, width) = ((int)outcomeAdvantages.Size(0), (int)outcomeAdvantages.Size(1));
        var advantages = outcomeAdvantages.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var mask = responseMask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();

        // One comparison per (group, decision): the members' spans with that key.
        var decisions = Enumerable.Range(0, batch)
            .SelectMany(i => (spans[i] ?? []).Select(span => (Row: i, Span: span)))
            .GroupBy(x => (groupIds[x.Row], x.Span.Key))
            .Where(d => d.Select(x => x.Row).Distinct().Count() >= 2);
        var credited = 0;
        foreach (var decision in decisions)
        {
            var members = decision.ToArray();
            var perMember = GrpoAdvantage.SequenceAdvantages(members.Select(x => x.Span.Score).ToArray(), new long[members.Length], epsilon, normalizeByStd);
            for (var m = 0; m < members.Length; m++)
            {
                var (row, span) = members[m];
                for (var t = Math.Max(0, span.Start); t < Math.Min(width, span.Start + span.Length); t++)
                {
                    var at = row * width + t;
                    if (mask[at] > 0)
                    {
                        advantages[at] = perMember[m];
                        credited++;
                    }
                }
            }
        }
        var valid = mask.Count(v => v > 0);
        var result = torch.FromArray(advantages, batch, width).To(outcomeAdvantages.DType, outcomeAdvantages.Device);
        return (scope.MoveToOuter(result), valid == 0 ? 0 : (double)credited / valid);
    }
}
