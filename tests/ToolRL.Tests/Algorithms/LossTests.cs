using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Training;
using ToolRL.Torch;
using static ToolRL.Tests.Algorithms.AlgorithmFixtures;

namespace ToolRL.Tests.Algorithms;

public class LossTests
{
    private static readonly Dictionary<string, LossAggregationMode> Modes = new()
    {
        ["token-mean"] = LossAggregationMode.TokenMean,
        ["seq-mean-token-sum"] = LossAggregationMode.SeqMeanTokenSum,
        ["seq-mean-token-mean"] = LossAggregationMode.SeqMeanTokenMean,
        ["seq-mean-token-sum-norm"] = LossAggregationMode.SeqMeanTokenSumNorm,
    };

    [Theory]
    [InlineData("token-mean")]
    [InlineData("seq-mean-token-sum")]
    [InlineData("seq-mean-token-mean")]
    [InlineData("seq-mean-token-sum-norm")]
    public void AggregationOverMicroBatchesEqualsWholeMiniBatch(string mode)
    {
        using var scope = torch.NewScope();
        var f = Get("aggregation");
        var loss = Tensor(f["loss"]!);
        var mask = Tensor(f["mask"]!);
        var scale = Number(f["scale"]!);
        var expected = Number(f["results"]![mode]!);
        var whole = LossAggregation.Aggregate(loss, mask, Modes[mode], new LossNormalizer(Number(f["token_count"]!), Number(f["sequence_count"]!), scale));
        AssertClose(expected, whole.ItemDouble());

        var bounds = f["micro_batches"]!.AsArray().Select(b => (Start: (long)b![0]!.GetValue<double>(), End: (long)b[1]!.GetValue<double>())).ToArray();
        var microMasks = bounds.Select(b => mask.Narrow(0, b.Start, b.End - b.Start)).ToArray();
        var normalizer = LossNormalizer.For(microMasks, scale);
        Assert.Equal(Number(f["token_count"]!), normalizer.TokenCount);
        Assert.Equal(Number(f["sequence_count"]!), normalizer.SequenceCount);
        var summed = bounds.Sum(b => LossAggregation.Aggregate(loss.Narrow(0, b.Start, b.End - b.Start), mask.Narrow(0, b.Start, b.End - b.Start), Modes[mode], normalizer).ItemDouble());
        AssertClose(expected, summed);
    }

    [Fact]
    public void PolicyLossMatchesReference()
    {
        using var scope = torch.NewScope();
        foreach (var f in Get("policy_loss").AsArray())
        {
            var mask = Tensor(f!["mask"]!);
            var settings = new PolicyLossSettings(Number(f["clip_ratio_low"]!), Number(f["clip_ratio_high"]!), Number(f["clip_ratio_c"]!),
                Modes[f["loss_agg_mode"]!.GetValue<string>()]);
            var normalizer = LossNormalizer.For(mask, Number(f["scale"]!));
            var logProbs = Tensor(f["log_probs"]!);
            logProbs.RequiresGrad = true;
            var result = PolicyLoss.ComputeClipped(Tensor(f["old_log_probs"]!), logProbs, Tensor(f["advantages"]!), mask, settings, normalizer);
            AssertClose(Number(f["pg_loss"]!), result.PgLoss.ItemDouble());
            AssertClose(Number(f["pg_clipfrac"]!), result.PgClipFrac);
            AssertClose(Number(f["pg_clipfrac_lower"]!), result.PgClipFracLower);
            AssertClose(Number(f["ppo_kl"]!), result.PpoKl);
            Assert.True(result.PgClipFracLower > 0 || f["loss_agg_mode"]!.GetValue<string>() != "token-mean", "the fixture exercises the dual clip");
            result.PgLoss.Backward();
            var grad = logProbs.Grad!.ToArray<double>();
            Assert.All(grad, g => Assert.True(double.IsFinite(g)));
            Assert.Contains(grad, g => g != 0);
        }
    }

    [Fact]
    public void OnPolicyRatioOfOneGivesMinusMeanAdvantage()
    {
        // With logp = old (ratio 1) nothing is clipped and token-mean pg_loss = −mean(A) over valid tokens.
        using var scope = torch.NewScope();
        var f = Get("policy_loss")[0]!;
        var old = Tensor(f["old_log_probs"]!);
        var advantages = Tensor(f["advantages"]!);
        var mask = Tensor(f["mask"]!);
        var result = PolicyLoss.ComputeClipped(old, old, advantages, mask, new PolicyLossSettings(0.2, 0.2, 3, LossAggregationMode.TokenMean));
        AssertClose(-Masked.Mean(advantages, mask).ItemDouble(), result.PgLoss.ItemDouble());
        Assert.Equal(0, result.PgClipFrac);
        Assert.Equal(0, result.PpoKl);
    }

    [Fact]
    public void ValueLossMatchesReference()
    {
        using var scope = torch.NewScope();
        foreach (var f in Get("value_loss").AsArray())
        {
            var result = ValueLoss.ComputeClipped(Tensor(f!["vpreds"]!), Tensor(f["values"]!), Tensor(f["returns"]!), Tensor(f["mask"]!),
                Number(f["cliprange_value"]!), Modes[f["loss_agg_mode"]!.GetValue<string>()]);
            AssertClose(Number(f["vf_loss"]!), result.VfLoss.ItemDouble());
            AssertClose(Number(f["vf_clipfrac"]!), result.VfClipFrac);
        }
    }

    [Fact]
    public void ExplainedVarianceMatchesReference()
    {
        using var scope = torch.NewScope();
        var f = Get("explained_variance");
        AssertClose(Number(f["explained_variance"]!), ValueLoss.ExplainedVariance(Tensor(f["returns"]!), Tensor(f["values"]!), Tensor(f["mask"]!)));
    }

    [Fact]
    public void SettingsComeFromTheConfiguration()
    {
        var config = TrainingConfig.Load(ToolRL.Testing.TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json"));
        Assert.Equal(new PolicyLossSettings(0.1, 0.1, 3.0, LossAggregationMode.TokenMean), ConfiguredAlgorithms.PolicyLossSettingsOf(config));
    }
}
