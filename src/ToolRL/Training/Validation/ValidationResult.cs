using ToolRL.Training.Metrics;

namespace ToolRL.Training.Validation;

/// <summary>Held-out results of greedy decoding (verl's validation with <c>val_kwargs</c>: temperature 0, n = 1).</summary>
/// <param name="Reward">Mean total reward.</param>
/// <param name="ExactMatch">Share of rows with ground-truth calls whose response makes exactly those calls (NaN when no row expects a call).</param>
/// <param name="Count">Rows validated.</param>
/// <param name="Metrics">Every validation metric (<c>val/...</c>), including each reward function's and component's mean.</param>
public sealed record ValidationResult(double Reward, double ExactMatch, int Count, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Every row's response and scores (empty when restored from metrics on resume).</summary>
    public IReadOnlyList<ValidationGeneration> Generations { get; init; } = [];

    /// <summary>A few (prompt tail, response, ground truth) examples to show: the first rows of <see cref="Generations"/>.</summary>
    public IEnumerable<(string Request, string Response, string GroundTruth)> Samples =>
        Generations.Take(3).Select(g => (g.Request, g.Response, g.GroundTruth));

    /// <summary>
    /// The held-out mean of every reward function and component the reward reported (e.g. <c>toolrl</c>,
    /// <c>toolrl/format</c>), by name, in the order logged: the headline figures next to <see cref="Reward"/>.
    /// </summary>
    public IReadOnlyList<(string Name, double Mean)> Components =>
        Metrics.Where(kv => kv.Key.StartsWith(ComponentPrefix, StringComparison.Ordinal) && kv.Key.EndsWith(ComponentSuffix, StringComparison.Ordinal))
            .Select(kv => (kv.Key[ComponentPrefix.Length..^ComponentSuffix.Length], kv.Value))
            .ToList();

    /// <summary>The held-out mean of the reward function or component <paramref name="name"/> (NaN when the reward has none).</summary>
    public double Component(string name) => Metrics.TryGetValue(MetricNames.ValRewardFunctionMean(name), out var value) ? value : double.NaN;

    private const string ComponentPrefix = "val/rewards/";
    private const string ComponentSuffix = "/mean";
}
