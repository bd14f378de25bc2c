using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Training.Metrics;

namespace ToolRL.Training.Rollout;

/// <summary>The rewards of a batch of responses: the weighted total per response and every function's own values.</summary>
/// <param name="Totals">The total reward per response (0 where no function applied).</param>
/// <param name="Components">Per function / component name (e.g. "toolrl", "toolrl/format"): one value or null per response.</param>
internal sealed record ScoredBatch(double[] Totals, IReadOnlyDictionary<string, IReadOnlyList<double?>> Components)
{
    /// <summary>The mean of a component over the responses it applied to (NaN when none, or when the component is absent).</summary>
    public double ComponentMean(string name) =>
        Components.TryGetValue(name, out var values) ? RewardMetrics.MeanStd(values).Mean : double.NaN;

    /// <summary><c>rewards/{component}/mean</c> and <c>/std</c> for every component, under <paramref name="prefix"/>.</summary>
    public IEnumerable<KeyValuePair<string, double>> ComponentMetrics(string prefix = "")
    {
        foreach (var (name, values) in Components)
        {
            var (mean, std) = RewardMetrics.MeanStd(values);
            yield return new(prefix + MetricNames.RewardFunctionMean(name), mean);
            yield return new(prefix + MetricNames.RewardFunctionStd(name), std);
        }
    }
}

/// <summary>Scores decoded responses against their dataset rows with the configured reward function.</summary>
internal static class RewardScoring
{
    /// <summary>
    /// Scores <paramref name="completions"/>[i] (the decoded response) for the row <paramref name="rows"/>[i] at training
    /// step <paramref name="step"/> (the ToolRL schedules read it).
    /// </summary>
    public static ScoredBatch Score(IRewardFunction reward, IReadOnlyList<RlRow> rows, IReadOnlyList<string> completions, int step)
    {
        var samples = new RewardSample[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            samples[i] = new RewardSample
            {
                Prompt = rows[i].Prompt,
                Completion = completions[i],
                GroundTruth = rows[i].GroundTruth,
                Extra = rows[i].ExtraInfo,
                Step = step,
            };
        }
        var output = reward.Score(samples);
        var components = new Dictionary<string, IReadOnlyList<double?>>(output.Components);
        if (!components.ContainsKey(reward.Name))
        {
            components[reward.Name] = output.Values;
        }
        return new ScoredBatch(output.Values.Select(v => v ?? 0.0).ToArray(), components);
    }
}
