using System.Text.Json.Nodes;
using ToolRL.Algorithms;
using ToolRL.Testing;
using ToolRL.Torch;
using static ToolRL.Tests.Algorithms.AlgorithmFixtures;

namespace ToolRL.Tests.Algorithms;

/// <summary>
/// The <c>gspo</c> policy loss against python3-torch (tools/algorithms/make_gspo_fixtures.py, float64, per-sequence
/// loops): the loss, its metrics, and the gradient with respect to the current log-probs, which is where GSPO
/// differs from a plain sequence-level ratio (each token carries s_i with its own logp's gradient; clipped and
/// clamped sequences get none).
/// </summary>
public sealed class GspoPolicyLossTests
{
    private static readonly Lazy<JsonArray> Cases = new(() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "algorithms", "gspo_fixtures.json")))!["gspo"]!.AsArray());

    [Fact]
    public void LossMetricsAndGradientMatchTheReference()
    {
        using var scope = torch.NewScope();
        Assert.Equal(3, Cases.Value.Count);
        foreach (var f in Cases.Value)
        {
            var mask = Tensor(f!["mask"]!);
            var logProbs = Tensor(f["log_probs"]!);
            logProbs.RequiresGrad = true;
            // The aggregation mode and the dual-clip bound are not GSPO's: token-mean and c are ignored.
            var settings = new PolicyLossSettings(Number(f["clip_ratio_low"]!), Number(f["clip_ratio_high"]!), 3.0, LossAggregationMode.TokenMean);
            var loss = PolicyLosses.Default.Get(PolicyLosses.Gspo);
            var result = loss(Tensor(f["old_log_probs"]!), logProbs, Tensor(f["advantages"]!), mask, settings, null);

            AssertClose(Number(f["pg_loss"]!), result.PgLoss.ItemDouble());
            AssertClose(Number(f["pg_clipfrac"]!), result.PgClipFrac);
            AssertClose(Number(f["ppo_kl"]!), result.PpoKl);
            Assert.Equal(0, result.PgClipFracLower);
            result.PgLoss.Backward();
            var expected = Tensor(f["grad_log_probs"]!).ToArray<double>();
            var actual = logProbs.Grad!.ToArray<double>();
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 + 1e-7 * Math.Abs(expected[i]), $"grad[{i}]: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    [Fact]
    public void MicroBatchesWithTheMiniBatchNormalizerSumToTheWholeBatchLoss()
    {
        using var scope = torch.NewScope();
        var f = Cases.Value[0]!;
        var (old, logProbs, advantages, mask) = (Tensor(f["old_log_probs"]!), Tensor(f["log_probs"]!), Tensor(f["advantages"]!), Tensor(f["mask"]!));
        var settings = new PolicyLossSettings(Number(f["clip_ratio_low"]!), Number(f["clip_ratio_high"]!), 3.0, LossAggregationMode.SeqMeanTokenMean);
        var normalizer = LossNormalizer.For([mask.Narrow(0, 0, 3), mask.Narrow(0, 3, 3)], 7);
        var summed = GspoPolicyLoss.Compute(old.Narrow(0, 0, 3), logProbs.Narrow(0, 0, 3), advantages.Narrow(0, 0, 3), mask.Narrow(0, 0, 3), settings, normalizer).PgLoss.ItemDouble()
            + GspoPolicyLoss.Compute(old.Narrow(0, 3, 3), logProbs.Narrow(0, 3, 3), advantages.Narrow(0, 3, 3), mask.Narrow(0, 3, 3), settings, normalizer).PgLoss.ItemDouble();
        AssertClose(Number(f["pg_loss"]!), summed);
    }
}
