using ToolRL.Algorithms;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

/// <summary>A new estimator is a function plus one registration: the trainer runs whatever the config names.</summary>
public sealed class RegisteredEstimatorTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-estimator-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task TheTrainerUsesTheEstimatorTheConfigNames()
    {
        // A deliberately odd estimator: advantage 0.25 on every generated token, returns 2·advantage.
        var name = "test_quarter_" + Guid.NewGuid().ToString("N");
        AdvantageEstimators.Default.Register(name, i =>
        {
            var a = i.ResponseMask.To(i.TokenLevelRewards.DType) * 0.25;
            return new AdvantageResult(a, a * 2);
        });
        var config = TinyRun.GrpoConfig(_run.Directory) with { AdvEstimator = name, KlCoef = 0 };
        config = config with { Trainer = config.Trainer with { TotalTrainingSteps = 1, TestFreq = -1, ValBeforeTrain = false, SaveFreq = -1 } };
        using var policy = TinyRun.Policy();
        using var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward()));
        var steps = new List<TrainingStepResult>();
        await foreach (var step in trainer.TrainAsync())
        {
            steps.Add(step);
        }
        var only = Assert.Single(steps);
        Assert.Equal(0.25, only[MetricNames.AdvantagesMean]!.Value, 6);
        Assert.Equal(0.5, only[MetricNames.ReturnsMean]!.Value, 6);
    }
}
