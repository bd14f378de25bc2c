using ToolRL.Algorithms;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Training;

/// <summary>
/// GRPO (Shao et al. 2024) with verl's semantics: n responses per prompt, the group-normalised outcome advantage
/// (<see cref="GrpoAdvantage"/>; Dr.GRPO when <c>norm_adv_by_std_in_grpo</c> is off), no critic.
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
public sealed class GrpoTrainer(RlTrainerSetup setup) : RlTrainer(setup)
{
    /// <inheritdoc />
    public override string Phase => "grpo";

    /// <inheritdoc />
    protected override void ComputeAdvantages(StepData data, Dictionary<string, double> metrics, StepTimer timer)
    {
        using (timer.Time("timing_s/adv"))
        {
            data.Advantages = data.Own(GrpoAdvantage.Compute(data.TokenLevelRewards!, data.ResponseMask, data.GroupIds,
                GrpoAdvantage.DefaultEpsilon, Config.NormAdvByStdInGrpo));
        }
    }
}
