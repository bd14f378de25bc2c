using ToolRL.Algorithms;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Training;

/// <summary>
/// The critic-free trainer, GRPO by default (Shao et al. 2024) with verl's semantics: n responses per prompt and the
/// configured critic-free advantage estimator (<c>adv_estimator</c>: <c>grpo</c>, the group-normalised outcome
/// advantage of <see cref="GrpoAdvantage"/>; <c>dr_grpo</c>; <c>rloo</c>; <c>reinforce_plus_plus</c>;
/// <c>reinforce_plus_plus_baseline</c>; or one registered in <see cref="AdvantageEstimators"/>).
/// </summary>
/// <example>
/// <code>
/// using var trainer = new GrpoTrainer(setup);
/// await foreach (var step in trainer.TrainAsync(cancellationToken))
/// {
///     Console.WriteLine($"step {step.Step}: reward {step["critic/score/mean"]:0.000}");
/// }
/// </code>
/// </example>
public sealed class GrpoTrainer : RlTrainer
{
    /// <summary>Builds the trainer; the configured estimator must not need critic values.</summary>
    public GrpoTrainer(RlTrainerSetup setup) : base(setup)
    {
        if (Estimator.NeedsValues)
        {
            throw new ArgumentException($"adv_estimator '{Estimator.Name}' reads critic values and GrpoTrainer trains no critic; use PpoTrainer (algorithm ppo), or a critic-free estimator.", nameof(setup));
        }
    }

    /// <inheritdoc />
    public override string Phase => "grpo";

    /// <inheritdoc />
    private protected override void ComputeAdvantages(StepData data, Dictionary<string, double> metrics, StepTimer timer)
    {
        using (timer.Time("timing_s/adv"))
        {
            EstimateAdvantages(data, metrics);
        }
    }
}
