using System.Runtime.CompilerServices;
using ToolRL.Rewards;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL's AST checker as a reward function (<c>"bfcl_ast"</c>): 1 when BFCL's checker accepts the ToolRL handler's
/// decoding of the completion, else 0; null (not applicable) for samples whose row carries no BFCL case in
/// <c>extra_info.bfcl</c> (rows made by <see cref="BfclRows"/>). In a weighted composition with <c>toolrl</c> it
/// leaves training rows alone, and validation then logs <c>val/rewards/bfcl_ast/mean</c>: the share of held-out
/// BFCL rows answered correctly.
/// </summary>
public sealed class BfclAstReward : IRewardFunction
{
    /// <summary>The registry name.</summary>
    public const string RegistryName = "bfcl_ast";

    // One parse per row object (rows live as long as their data set).
    private static readonly ConditionalWeakTable<System.Text.Json.Nodes.JsonObject, Parsed> Cases = [];

    /// <inheritdoc />
    public string Name => RegistryName;

    /// <inheritdoc />
    public RewardOutput Score(IReadOnlyList<RewardSample> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var values = new double?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Extra is { } extra && Cases.GetValue(extra, e => new Parsed(BfclRows.ParseCase(e["bfcl"]))).Entry is { } entry)
            {
                var response = ChatResponse.FromCompletion(batch[i].Completion, ChatFormat.Qwen);
                values[i] = BfclEvaluation.Check(entry, response).Valid ? 1.0 : 0.0;
            }
        }
        return values;
    }

    private sealed record Parsed(BfclEntry? Entry);
}
