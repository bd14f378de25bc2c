using System.Text.Json.Nodes;
using ToolRL.Training;
using ToolRL.Training.Validation;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

public sealed class GrpoTrainerTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-grpo-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task SmokeRunChangesEveryParameterLogsFiniteMetricsAndLearnsATrivialReward()
    {
        var config = TinyRun.GrpoConfig(_run.Directory) with { Trainer = TinyRun.GrpoConfig(_run.Directory).Trainer with { TotalTrainingSteps = 8 } };
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        var before = policy.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Detach().Clone().ToArray<float>());
        using var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference));

        var steps = await TinyRun.Collect(trainer);

        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), steps.Select(s => s.Step));
        foreach (var (name, param) in policy.Module.NamedParameters())
        {
            Assert.False(before[name].SequenceEqual(param.Detach().ToArray<float>()), $"parameter {name} did not change");
        }
        foreach (var step in steps)
        {
            foreach (var (metric, value) in step.Metrics.Values)
            {
                Assert.True(double.IsFinite(value), $"step {step.Step}: {metric} = {value}");
            }
        }
        var training = steps.Where(s => s.Step > 0).ToList();
        foreach (var name in new[] { MetricNames.PgLoss, MetricNames.PgClipFrac, MetricNames.PpoKl, MetricNames.Entropy, MetricNames.GradNorm, MetricNames.Lr,
                     MetricNames.ScoreMean, MetricNames.RewardsMean, MetricNames.AdvantagesMean, MetricNames.ResponseLengthMean, MetricNames.ResponseLengthClipRatio,
                     MetricNames.TimingGen, MetricNames.TimingUpdate, MetricNames.RewardKlPenalty, "rewards/brevity/mean" })
        {
            Assert.All(training, s => Assert.NotNull(s[name]));
        }
        Assert.NotNull(steps[0][MetricNames.ValRewardMean]);
        var early = training.Take(2).Average(s => s[MetricNames.ScoreMean]!.Value);
        var late = training.TakeLast(2).Average(s => s[MetricNames.ScoreMean]!.Value);
        Assert.True(late > early + 0.05, $"reward did not improve: first two steps {early:0.000}, last two {late:0.000}");
        Assert.True(File.Exists(trainer.ReportPath));
        Assert.Equal(9, MetricsLog.ReadJsonl(Path.Combine(_run.Directory, MetricsLog.JsonlFileName)).Count);
        AssertValidationLogsMatchTheMetrics(steps);
    }

    /// <summary>Each validation wrote every held-out row, and the rows' rewards average to the logged val/reward/mean.</summary>
    private void AssertValidationLogsMatchTheMetrics(IReadOnlyList<TrainingStepResult> steps)
    {
        var validated = steps.Where(s => s[MetricNames.ValRewardMean] is not null).ToList();
        Assert.Equal([0L, 2, 4, 6, 8], validated.Select(s => s.Step));
        foreach (var step in validated)
        {
            var path = Path.Combine(_run.Directory, ValidationLog.FolderName, ValidationLog.StepFileName((int)step.Step));
            var rows = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            Assert.Equal(4, rows.Count);
            Assert.Equal([0, 1, 2, 3], rows.Select(r => r["index"]!.GetValue<int>()));
            Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r["ground_truth"]!.GetValue<string>())));
            Assert.Equal(step[MetricNames.ValRewardMean]!.Value, rows.Average(r => r["reward"]!.GetValue<double>()), 12);
        }
    }

    [Fact]
    public async Task ResumedRunReproducesTheUninterruptedRun()
    {
        var config = TinyRun.GrpoConfig(_run.Directory);
        var uninterruptedDir = Path.Combine(_run.Directory, "a");
        var resumedDir = Path.Combine(_run.Directory, "b");
        IReadOnlyList<MetricsRow> expected;
        float[] expectedWeights;
        using (var policy = TinyRun.Policy())
        using (var reference = TinyRun.Policy())
        using (var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference) with { OutputDir = uninterruptedDir }))
        {
            await TinyRun.Collect(trainer);
            expected = trainer.Metrics;
            expectedWeights = Flatten(policy);
        }

        using (var policy = TinyRun.Policy())
        using (var reference = TinyRun.Policy())
        using (var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference) with { OutputDir = resumedDir }))
        {
            await TinyRun.Collect(trainer, stopAfter: 3);   // killed after step 3: the checkpoint of step 2 is the latest
        }
        using (var policy = TinyRun.Policy(seed: 12345))   // different init: everything must come from the checkpoint
        using (var reference = TinyRun.Policy())
        using (var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), resume: true, reference: reference) with { OutputDir = resumedDir }))
        {
            var steps = await TinyRun.Collect(trainer);
            Assert.Equal([3L, 4L], steps.Select(s => s.Step));
            Assert.Equal(expectedWeights, Flatten(policy));
        }

        var resumed = MetricsLog.ReadJsonl(Path.Combine(resumedDir, MetricsLog.JsonlFileName));
        Assert.Equal(expected.Select(r => r.Step), resumed.Select(r => r.Step));
        foreach (var (want, got) in expected.Zip(resumed))
        {
            var wantValues = want.Values.Where(kv => !kv.Key.StartsWith("timing_s/", StringComparison.Ordinal)).ToList();
            var gotValues = got.Values.Where(kv => !kv.Key.StartsWith("timing_s/", StringComparison.Ordinal)).ToList();
            Assert.Equal(wantValues, gotValues);
        }
    }

    private static float[] Flatten(IPolicyModel policy) => policy.Module.Parameters().SelectMany(p => p.Detach().ToArray<float>()).ToArray();
}
