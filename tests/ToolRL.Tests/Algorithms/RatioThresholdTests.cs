using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Tests.Configuration;
using ToolRL.Tests.Training;
using ToolRL.Torch;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Algorithms;

/// <summary>
/// <c>ratio_threshold</c> (trl 0.10.1 PPOTrainer.loss, StepTool: 10): a micro-batch whose masked mean of
/// exp(logp − old_logp) exceeds the threshold adds no gradient; <c>actor/ratio_skipped</c> counts them.
/// </summary>
public sealed class RatioThresholdTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-ratio-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public void TheMeanRatioCoversTrainedTokensOnly()
    {
        using var scope = torch.NewScope();
        // Ratios by hand: row 0 → 2, 4 and a masked 100; row 1 → 0.5, 1 and a masked e^30 (clamped to e^20, still masked).
        var old = torch.FromArray(new double[] { 0, 0, 0, 1, 1, 1 }, 2, 3);
        var logProbs = torch.FromArray(new double[] { Math.Log(2), Math.Log(4), Math.Log(100), 1 + Math.Log(0.5), 1, 31 }, 2, 3);
        var mask = torch.FromArray(new double[] { 1, 1, 0, 1, 1, 0 }, 2, 3);
        var mean = RatioThreshold.MeanRatio(old, logProbs, mask);
        Assert.Equal((2 + 4 + 0.5 + 1) / 4.0, mean, 12);   // 1.875, not (2 + 4 + 100 + 0.5 + 1 + …) / 6
        Assert.True(RatioThreshold.Skips(mean, 1.8));
        Assert.False(RatioThreshold.Skips(mean, 1.875));     // strictly above, as trl's `avg_ratio > ratio_threshold`
        Assert.False(RatioThreshold.Skips(mean, null));
        // A runaway token: log-ratio 30 is clamped to 20, so the mean is e^20 / 1 and finite.
        var runaway = RatioThreshold.MeanRatio(torch.FromArray(new double[] { 0 }, 1, 1), torch.FromArray(new double[] { 30 }, 1, 1), torch.FromArray(new double[] { 1 }, 1, 1));
        Assert.Equal(Math.Exp(20), runaway, 6);
        Assert.True(RatioThreshold.Skips(runaway, 10));
    }

    [Fact]
    public void TheKeyIsValidatedAndRoundTrips()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["ratio_threshold"] = 1.0));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.ratio_threshold", error.Path);
        Assert.Contains("must be > 1", error.Problem);
        Assert.Contains("ratio_threshold to e.g. 10", error.Fix);
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["ratio_threshold"] = 10));
        Assert.Equal(10, c.RatioThreshold);
        Assert.Equal(10, TrainingConfig.Parse(c.ToJsonString()).RatioThreshold);
        Assert.Null(TrainingConfig.Parse(ConfigJson.TinyGrpo).RatioThreshold);
        Assert.DoesNotContain("ratio_threshold", TrainingConfig.Parse(ConfigJson.TinyGrpo).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkippedMicroBatchesAddNoGradient()
    {
        // Four PPO epochs over one step at a high learning rate: from the second epoch on the policy has moved, and a
        // threshold just above 1 skips the micro-batches whose mean ratio rose above it. The first epoch's ratios are
        // 1 up to rounding, so at most 3 epochs × 2 micro-batches can be skipped.
        var none = await RunAsync(null);
        var huge = await RunAsync(1e6);
        var tight = await RunAsync(1.001);
        Assert.Null(none.Step[MetricNames.RatioSkipped]);
        Assert.Equal(0, huge.Step[MetricNames.RatioSkipped]);
        Assert.Equal(none.Weights, huge.Weights);           // a threshold that never fires changes nothing
        var skipped = tight.Step[MetricNames.RatioSkipped]!.Value;
        Assert.InRange(skipped, 1, 6);
        Assert.NotEqual(none.Weights, tight.Weights);       // skipped micro-batches did not train
        // Their pg_loss counts as 0 (trl logs the zeroed loss), so the mean over the 4 optimizer steps moves toward 0.
        Assert.NotEqual(none.Step[MetricNames.PgLoss], tight.Step[MetricNames.PgLoss]);
    }

    private async Task<(TrainingStepResult Step, float[] Weights)> RunAsync(double? threshold)
    {
        var (steps, weights) = await _run.GrpoRunAsync(c => TinyRun.Short(c, 1) with { PpoMicroBatchSize = 4, PpoEpochs = 4, ActorLr = 0.05, RatioThreshold = threshold });
        return (Assert.Single(steps), weights);
    }
}
