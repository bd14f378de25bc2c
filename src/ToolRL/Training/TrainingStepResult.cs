using ToolRL.Training.Metrics;

namespace ToolRL.Training;

/// <summary>
/// What a trainer yields after each step (from <c>await foreach (var step in trainer.TrainAsync(ct))</c>): the
/// phase, the step and the planned total, and the step's metrics under verl's names.
/// </summary>
/// <param name="Phase">"sft", "grpo" or "ppo".</param>
/// <param name="Step">The global step just finished (1-based).</param>
/// <param name="TotalSteps">The planned number of steps of this phase.</param>
/// <param name="Metrics">The step's metrics (also written to metrics.jsonl / metrics.csv).</param>
/// <param name="Elapsed">Wall time since this phase started (excluding time before a resume).</param>
public sealed record TrainingStepResult(string Phase, long Step, long TotalSteps, MetricsRow Metrics, TimeSpan Elapsed)
{
    /// <summary>The value of a metric at this step, or null.</summary>
    public double? this[string metric] => Metrics.Get(metric);
}
