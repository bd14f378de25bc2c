using ToolRL.Training.Metrics;

namespace ToolRL.Training.Validation;

/// <summary>Held-out results of greedy decoding (verl's validation with <c>val_kwargs</c>: temperature 0, n = 1).</summary>
/// <param name="Reward">Mean total reward.</param>
/// <param name="Format">Mean ToolRL format reward (NaN when the reward has no format component).</param>
/// <param name="Correctness">Mean ToolRL correctness reward (NaN when absent).</param>
/// <param name="ExactMatch">Share of rows with ground-truth calls whose response makes exactly those calls.</param>
/// <param name="Count">Rows validated.</param>
/// <param name="Metrics">Every validation metric (<c>val/...</c>), including per-function means.</param>
public sealed record ValidationResult(
    double Reward, double Format, double Correctness, double ExactMatch, int Count,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Every row's response and scores (empty when restored from metrics on resume).</summary>
    public IReadOnlyList<ValidationGeneration> Generations { get; init; } = [];

    /// <summary>A few (prompt tail, response, ground truth) examples to show: the first rows of <see cref="Generations"/>.</summary>
    public IEnumerable<(string Request, string Response, string GroundTruth)> Samples =>
        Generations.Take(3).Select(g => (g.Request, g.Response, g.GroundTruth));

    /// <summary>The four headline metrics under their names.</summary>
    public static IReadOnlyList<string> HeadlineNames { get; } =
        [MetricNames.ValRewardMean, MetricNames.ValFormatMean, MetricNames.ValCorrectnessMean, MetricNames.ValExactMatch];
}
