using System.Diagnostics;
using ToolRL.Configuration;
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
internal sealed class Validator(IReadOnlyList<RlRow> rows, PromptEncoder prompts, IRewardFunction reward, SamplingSettings greedy, int chunkSize = 32)
{
    /// <summary>
    /// The validation a configuration asks for, the same for the RL and the SFT-only paths: the first
    /// <c>data.max_val_samples</c> held-out rows, greedy when <c>sampling.val_greedy</c> (else at the sampling
    /// temperature, without top-p/k), up to <c>max_response_length</c> tokens. Null when there are no held-out rows.
    /// </summary>
    internal static Validator? FromConfig(TrainingConfig config, IReadOnlyList<RlRow> valRows, PromptEncoder prompts, IRewardFunction reward)
    {
        if (valRows.Count == 0)
        {
            return null;
        }
        var rows = config.Data.MaxValSamples is { } max ? valRows.Take(max).ToList() : valRows;
        var temperature = config.Sampling.ValGreedy ? 0 : config.Sampling.Temperature;
        return new Validator(rows, prompts, reward, new SamplingSettings(config.MaxResponseLength, temperature, 1, -1, prompts.StopTokenIds));
    }

    /// <summary>The decoding settings.</summary>
    internal SamplingSettings Sampling { get; } = greedy;

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
                var generated = policy.Generate(chunk.Select(r => prompts.Encode(r)).ToList(), 1, Sampling, seed: 0);
                responses.AddRange(generated.Select(g => prompts.DecodeResponse(g.TokenIds)));
            }
        }
        var scored = RewardScoring.Score(reward, Rows, responses, step);
        var matches = Enumerable.Range(0, Rows.Count)
            .Select(i => ToolCallExactMatch.HasCalls(Rows[i].GroundTruth) ? ToolCallExactMatch.Matches(responses[i], Rows[i].GroundTruth) : (bool?)null)
            .ToList();
        var withCalls = matches.Where(m => m.HasValue).ToList();
        var exact = withCalls.Count == 0 ? double.NaN : withCalls.Count(m => m == true) / (double)withCalls.Count;
        var total = BatchStatistics.Mean(scored.Totals);
        // The headline figures are the total and whatever functions and components the reward reports
        // (val/rewards/{name}/mean); exact match only when some held-out row expects a call. Absent metrics are
        // left out rather than logged as NaN.
        var metrics = new Dictionary<string, double> { [MetricNames.ValRewardMean] = total };
        AddIfKnown(metrics, MetricNames.ValExactMatch, exact);
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
        return new ValidationResult(total, exact, Rows.Count, metrics) { Generations = generations };
    }

    private static void AddIfKnown(Dictionary<string, double> metrics, string name, double value)
    {
        if (!double.IsNaN(value))
        {
            metrics[name] = value;
        }
    }
}
