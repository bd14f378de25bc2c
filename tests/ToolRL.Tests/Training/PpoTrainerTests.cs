using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;

namespace ToolRL.Tests.Training;

public sealed class PpoTrainerTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-ppo-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task CriticLearnsExplainedVarianceRisesAndCriticMetricsAreLogged()
    {
        var baseConfig = TinyRun.GrpoConfig(_run.Directory);
        var config = baseConfig with
        {
            Algorithm = AlgorithmKind.Ppo,
            N = 1,
            BatchSize = 8,
            PpoMiniBatchSize = 4,
            PpoMicroBatchSize = 4,
            CriticLr = 0.01,
            ActorLr = 0.001,
            CriticWarmup = 3,
            Trainer = baseConfig.Trainer with { TotalTrainingSteps = 10, SaveFreq = -1, TestFreq = -1, ValBeforeTrain = false },
        };
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        using var critic = new Qwen2Critic(Qwen2ValueModel.CreateFrom(policy.Model, seed: 4));
        var actorBefore = policy.Module.Parameters().First().Detach().Clone().ToArray<float>();
        using var trainer = new PpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference) with { Critic = critic });

        var steps = new List<TrainingStepResult>();
        await foreach (var step in trainer.TrainAsync())
        {
            steps.Add(step);
            if (step.Step == 2)
            {
                // critic_warmup 3: steps 1 and 2 update only the critic (verl: the actor trains from step critic_warmup).
                Assert.Equal(actorBefore, policy.Module.Parameters().First().Detach().ToArray<float>());
                Assert.Null(step[MetricNames.PgLoss]);
            }
        }

        foreach (var name in new[] { MetricNames.VfLoss, MetricNames.VfClipFrac, MetricNames.VpredMean, MetricNames.VfExplainedVar, MetricNames.ValuesMean })
        {
            Assert.All(steps, s => Assert.True(s[name] is { } v && double.IsFinite(v), $"step {s.Step}: {name} = {s[name]}"));
        }
        Assert.NotNull(steps[^1][MetricNames.PgLoss]);
        // The critic's optimizer metrics come from the same ParameterGroup as the actor's (and SFT's), under its name.
        Assert.All(steps, s => Assert.True(s["critic/grad_norm"] is > 0 and var n && double.IsFinite(n), $"step {s.Step}: critic/grad_norm = {s["critic/grad_norm"]}"));
        Assert.All(steps, s => Assert.Equal(0, s["critic/skipped_steps"]));
        Assert.True(steps[^1][MetricNames.GradNorm] is > 0, $"actor/grad_norm = {steps[^1][MetricNames.GradNorm]}");
        var early = steps.Take(2).Average(s => s[MetricNames.VfExplainedVar]!.Value);
        var late = steps.TakeLast(3).Average(s => s[MetricNames.VfExplainedVar]!.Value);
        Assert.True(late > early + 0.1, $"explained variance did not rise: first steps {early:0.000}, last steps {late:0.000}");
    }
}
