using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Tests.Configuration;
using ToolRL.Tests.Training;
using ToolRL.Torch;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Algorithms;

/// <summary>
/// The adaptive KL controller (Ziegler et al. 2019; trl 0.10.1 AdaptiveKLController) with StepTool's settings, init 0.3,
/// target 6, horizon 10,000, fed either KL statistic (<c>kl_ctrl.kl_agg_mode</c>): verl's mean of per-sequence token
/// means or trl's (StepTool's <c>objective/kl</c>) mean of per-sequence sums.
/// </summary>
public sealed class KlControllerAggregationTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-klagg-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    // Seven batches of two sequences: row 0 has 5 trained tokens of KL a, row 1 has 3 of KL b (one masked token each
    // carries KL 9, which must not count). Token means (a + b)/2; sums (5a + 3b)/2.
    private static readonly (double A, double B)[] Batches = [(1.5, 1.0), (1.6, 1.0), (1.7, 1.0), (1.8, 1.0), (1.9, 1.0), (4.0, 4.0), (6.0, 6.0)];

    // β_k = β_{k−1}·(1 + clip(KL_k/6 − 1, −0.2, 0.2)·8/10000), β_0 = 0.3, computed by hand (python float64):
    // token means 1.25 … 1.45, 4, 6 → errors clipped at −0.2 except the last (0): β falls by 0.016 % per batch, then holds.
    private static readonly double[] TokenMeanBetas =
        [0.299952, 0.29990400768, 0.2998560230387712, 0.299808046075085, 0.29976007678771294, 0.2997121151754269, 0.2997121151754269];

    // sums 5.25, 5.5, 5.75, 6.0, 6.25, 16, 24 → errors −0.125, −1/12, −1/24, 0, +1/24, then clipped at +0.2 twice.
    private static readonly double[] SequenceSumBetas =
        [0.29997, 0.299950002, 0.2999400036666, 0.2999400036666, 0.29995000166672225, 0.2999979936669889, 0.30004599334597565];

    [Theory]
    [InlineData(KlAggregation.SeqMeanTokenMean)]
    [InlineData(KlAggregation.SeqMeanTokenSum)]
    public void TheTrajectoryFollowsTheFormulaForEitherStatistic(KlAggregation aggregation)
    {
        var controller = new AdaptiveKlController(0.3, 6, 10000);
        var expected = aggregation == KlAggregation.SeqMeanTokenSum ? SequenceSumBetas : TokenMeanBetas;
        var mask = new double[] { 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };
        for (var k = 0; k < Batches.Length; k++)
        {
            using var scope = torch.NewScope();
            var (a, b) = Batches[k];
            var logProbs = torch.FromArray(new[] { a, a, a, a, a, 9, 9, b, b, b, 9, 0 }, 2, 6);
            var result = KlReward.Apply(torch.ZerosLike(logProbs), logProbs, torch.ZerosLike(logProbs), torch.FromArray(mask, 2, 6), controller.Value);
            Assert.Equal((a + b) / 2, result.CurrentKl, 1e-12);
            Assert.Equal((5 * a + 3 * b) / 2, result.SequenceSumKl, 1e-12);
            controller.Update(result.Statistic(aggregation), 8);
            Assert.Equal(expected[k], controller.Value, 1e-14);
        }
    }

    [Fact]
    public async Task TheTrainerFeedsTheConfiguredStatistic()
    {
        // Step 1's KL is 0 (the policy starts as the reference), so step 2's KL depends neither on β nor on the
        // target: a first run measures step 2's summed KL, a second run with kl_agg_mode seq-mean-token-sum targets
        // exactly that sum, so its β must hold still after step 2 while the token mean would have cut it.
        var probe = await RunAsync(KlAggregation.SeqMeanTokenMean, 6);
        AssertFollowsTheFormula(probe, MetricNames.RewardKlPenalty, 6);
        var sum2 = probe[1][MetricNames.RewardKlSum]!.Value;
        var mean2 = probe[1][MetricNames.RewardKlPenalty]!.Value;
        Assert.True(sum2 > 0 && mean2 < 0.8 * sum2, $"step 2: summed KL {sum2}, token-mean KL {mean2}");

        var summed = await RunAsync(KlAggregation.SeqMeanTokenSum, sum2);
        AssertFollowsTheFormula(summed, MetricNames.RewardKlSum, sum2);
        Assert.Equal(sum2, summed[1][MetricNames.RewardKlSum]!.Value, sum2 * 1e-9);
        Assert.Equal(summed[1][MetricNames.RewardKlPenaltyCoeff]!.Value, summed[2][MetricNames.RewardKlPenaltyCoeff]!.Value, 1e-12);
        Assert.True(probe[2][MetricNames.RewardKlPenaltyCoeff] < probe[1][MetricNames.RewardKlPenaltyCoeff]);
    }

    /// <summary>β at step k+1 = β_k·(1 + clip(KL_k/target − 1, ±0.2)·n/10000), n = 2 prompts × 4 responses; β_1 = 0.3.</summary>
    private static void AssertFollowsTheFormula(List<TrainingStepResult> steps, string statistic, double target)
    {
        Assert.Equal(0.3, steps[0][MetricNames.RewardKlPenaltyCoeff]!.Value, 1e-15);
        for (var k = 0; k + 1 < steps.Count; k++)
        {
            var beta = steps[k][MetricNames.RewardKlPenaltyCoeff]!.Value;
            var error = Math.Clamp(steps[k][statistic]!.Value / target - 1, -0.2, 0.2);
            Assert.Equal(beta * (1 + error * 8 / 10000), steps[k + 1][MetricNames.RewardKlPenaltyCoeff]!.Value, 1e-15);
        }
    }

    private async Task<List<TrainingStepResult>> RunAsync(KlAggregation aggregation, double target) =>
        (await _run.GrpoRunAsync(c => TinyRun.Short(c, 3) with
        {
            PpoMicroBatchSize = 8,
            ActorLr = 0.05,
            KlCoef = 0.3,
            KlCtrl = new KlControllerConfig { Type = KlControllerType.Adaptive, TargetKl = target, Horizon = 10000, KlAggMode = aggregation },
        })).Steps;

    [Fact]
    public void TheKeyParsesRoundTripsAndIsRefusedWhenUnknown()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o =>
        {
            o["kl_ctrl"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "adaptive", ["target"] = 6, ["horizon"] = 10000, ["kl_agg_mode"] = "seq-mean-token-sum" };
        }));
        Assert.Equal(KlAggregation.SeqMeanTokenSum, c.KlCtrl.KlAggMode);
        Assert.Equal(KlAggregation.SeqMeanTokenSum, TrainingConfig.Parse(c.ToJsonString()).KlCtrl.KlAggMode);
        Assert.Equal(KlAggregation.SeqMeanTokenMean, TrainingConfig.Parse(ConfigJson.TinyGrpo).KlCtrl.KlAggMode);
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["kl_ctrl"] = new System.Text.Json.Nodes.JsonObject { ["kl_agg_mode"] = "token-sum" }));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.kl_ctrl.kl_agg_mode", error.Path);
        Assert.Contains("seq-mean-token-sum", error.Fix);
    }
}
