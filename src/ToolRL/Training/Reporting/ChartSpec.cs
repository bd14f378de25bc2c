using ToolRL.Training.Metrics;

namespace ToolRL.Training.Reporting;

/// <summary>One chart of the HTML report: a title and the metric series drawn on it against the step.</summary>
/// <param name="Title">The chart heading, e.g. "Reward".</param>
/// <param name="Series">The lines: a legend label and the metric name it reads (e.g. <c>critic/score/mean</c>).</param>
internal sealed record ChartSpec(string Title, IReadOnlyList<(string Label, string Metric)> Series)
{
    /// <summary>
    /// The report's charts for <paramref name="rows"/>: reward, one chart per reward function or component the run
    /// logged (its training-batch mean and, where it exists, its held-out mean), response length, KL, loss, critic,
    /// entropy and gradient norm.
    /// </summary>
    public static IReadOnlyList<ChartSpec> For(IReadOnlyList<MetricsRow> rows)
    {
        var charts = new List<ChartSpec>
        {
            new("Reward", [("train score", MetricNames.ScoreMean), ("held-out", MetricNames.ValRewardMean), ("held-out exact match", MetricNames.ValExactMatch)]),
        };
        foreach (var component in RewardComponents(rows))
        {
            charts.Add(new($"{component} reward", [("train", MetricNames.RewardFunctionMean(component)), ("held-out", MetricNames.ValRewardFunctionMean(component))]));
        }
        charts.AddRange(
        [
            new("Response length (tokens)", [("mean", MetricNames.ResponseLengthMean), ("max", MetricNames.ResponseLengthMax)]),
            new("KL", [("ppo_kl (old vs new)", MetricNames.PpoKl), ("reward KL penalty", MetricNames.RewardKlPenalty), ("KL loss", MetricNames.KlLoss)]),
            new("Loss", [("policy loss", MetricNames.PgLoss), ("value loss", MetricNames.VfLoss), ("SFT loss", MetricNames.SftLoss)]),
            new("Critic explained variance", [("explained var", MetricNames.VfExplainedVar)]),
            new("Entropy and gradient norm", [("entropy", MetricNames.Entropy), ("grad norm", MetricNames.GradNorm)]),
        ]);
        return charts;
    }

    // The names of rewards/{name}/mean in order of first appearance.
    private static IEnumerable<string> RewardComponents(IReadOnlyList<MetricsRow> rows) =>
        rows.SelectMany(r => r.Values.Keys)
            .Where(k => k.StartsWith("rewards/", StringComparison.Ordinal) && k.EndsWith("/mean", StringComparison.Ordinal))
            .Select(k => k["rewards/".Length..^"/mean".Length])
            .Distinct(StringComparer.Ordinal);
}
