using System.Diagnostics;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Torch;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Training.Validation;

/// <summary>
/// Validation on held-out rows: greedy decoding (n = 1), the configured reward, and exact match of tool calls.
/// Generation runs in chunks so memory stays bounded for large validation sets.
/// </summary>
public sealed class Validator(IReadOnlyList<RlRow> rows, PromptEncoder prompts, IRewardFunction reward, SamplingSettings greedy, int chunkSize = 32)
{
    /// <summary>The held-out rows.</summary>
    public IReadOnlyList<RlRow> Rows { get; } = rows;

    /// <summary>Decodes every row greedily with <paramref name="policy"/> and scores the responses at <paramref name="step"/>.</summary>
    public ValidationResult Run(IPolicyModel policy, int step)
    {
        var started = Stopwatch.GetTimestamp();
        var responses = new List<string>(Rows.Count);
        policy.Module.Eval();
        using (torch.NoGrad())
        {
            foreach (var chunk in Rows.Chunk(chunkSize))
            {
                var generated = policy.Generate(chunk.Select(r => prompts.Encode(r)).ToList(), 1, greedy, seed: 0);
                responses.AddRange(generated.Select(g => prompts.DecodeResponse(g.TokenIds)));
            }
        }
        var scored = RewardScoring.Score(reward, Rows, responses, step);
        var matches = Enumerable.Range(0, Rows.Count)
            .Select(i => ToolCallExactMatch.HasCalls(Rows[i].GroundTruth) ? ToolCallExactMatch.Matches(responses[i], Rows[i].GroundTruth) : (bool?)null)
            .ToList();
        var withCalls = matches.Where(m => m.HasValue).ToList();
        var exact = withCalls.Count == 0 ? double.NaN : withCalls.Count(m => m == true) / (double)withCalls.Count;
        var result = new ValidationResult(
            BatchStatistics.Mean(scored.Totals),
            scored.ComponentMean(MetricNames.ToolRLFormat),
            scored.ComponentMean(MetricNames.ToolRLCorrectness),
            exact,
            Rows.Count,
            new Dictionary<string, double>());
        // Format and correctness exist only when the ToolRL reward is part of the composition; exact match only
        // when some held-out row expects a call. Absent metrics are left out rather than logged as NaN.
        var metrics = new Dictionary<string, double> { [MetricNames.ValRewardMean] = result.Reward };
        AddIfKnown(metrics, MetricNames.ValFormatMean, result.Format);
        AddIfKnown(metrics, MetricNames.ValCorrectnessMean, result.Correctness);
        AddIfKnown(metrics, MetricNames.ValExactMatch, result.ExactMatch);
        foreach (var (name, value) in scored.ComponentMetrics("val/"))
        {
            if (name.EndsWith("/mean", StringComparison.Ordinal))
            {
                metrics[name] = value;
            }
        }
        metrics[MetricNames.TimingTesting] = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var generations = Enumerable.Range(0, Rows.Count).Select(i => new ValidationGeneration(
            i, Rows[i].Prompt[^1].Content, responses[i], Rows[i].GroundTruth, scored.Totals[i],
            scored.Components.Where(c => c.Value[i].HasValue).ToDictionary(c => c.Key, c => c.Value[i]!.Value),
            matches[i])).ToList();
        return result with { Metrics = metrics, Generations = generations };
    }

    private static void AddIfKnown(Dictionary<string, double> metrics, string name, double value)
    {
        if (!double.IsNaN(value))
        {
            metrics[name] = value;
        }
    }
}
