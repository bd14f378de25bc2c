namespace ToolRL.Training.Metrics;

/// <summary>
/// The metrics of one training step under verl's names (<see cref="MetricNames"/>), in the order they were
/// recorded. Values may be non-finite (e.g. the gradient norm of a skipped step), which the sinks preserve.
/// </summary>
/// <param name="Step">The global step (1-based, as verl counts).</param>
/// <param name="Values">Metric name → value, insertion-ordered.</param>
public sealed record MetricsRow(long Step, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>The value of <paramref name="name"/>, or null when this step did not record it.</summary>
    public double? Get(string name) => Values.TryGetValue(name, out var v) ? v : null;
}
