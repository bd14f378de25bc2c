using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Training;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Tests.Algorithms.AlgorithmFixtures;

namespace ToolRL.Tests.Algorithms;

public class KlAndTokenTests
{
    [Theory]
    [InlineData("kl", KlEstimator.K1)]
    [InlineData("abs", KlEstimator.Abs)]
    [InlineData("mse", KlEstimator.K2)]
    [InlineData("low_var_kl", KlEstimator.K3)]
    public void KlEstimatorsMatchReference(string name, KlEstimator estimator)
    {
        using var scope = torch.NewScope();
        var f = Get("kl");
        AssertClose(f[name]!, KlPenalty.Estimate(Tensor(f["log_probs"]!), Tensor(f["ref_log_probs"]!), estimator));
    }

    [Fact]
    public void KlInRewardMatchesReference()
    {
        using var scope = torch.NewScope();
        var f = Get("kl_in_reward");
        var result = KlReward.Apply(Tensor(f["token_level_scores"]!), Tensor(f["old_log_probs"]!), Tensor(f["ref_log_probs"]!), Tensor(f["mask"]!),
            Number(f["beta"]!));
        AssertClose(f["token_level_rewards"]!, result.TokenLevelRewards);
        AssertClose(Number(f["current_kl"]!), result.CurrentKl);
    }

    [Fact]
    public void AdaptiveControllerMatchesReference()
    {
        var f = Get("kl_in_reward");
        var controller = new AdaptiveKlController(Number(f["beta"]!), Number(f["target_kl"]!), Number(f["horizon"]!));
        foreach (var update in f["adaptive_updates"]!.AsArray())
        {
            controller.Update(Number(update!["current_kl"]!), (long)Number(update["n_steps"]!));
            AssertClose(Number(update["coef"]!), controller.Value, 1e-12);
        }
    }

    [Fact]
    public void ControllerFollowsTheConfiguration()
    {
        var fixedConfig = TrainingConfig.Load(ToolRL.Testing.TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json"));
        var fixedController = ConfiguredAlgorithms.CreateKlController(fixedConfig);
        fixedController.Update(100, 512);
        Assert.Equal(0.05, fixedController.Value);
        var adaptive = ConfiguredAlgorithms.CreateKlController(fixedConfig with { KlCtrl = fixedConfig.KlCtrl with { Type = KlControllerType.Adaptive, TargetKl = 6, Horizon = 10000 } }, restoredValue: 0.3);
        adaptive.Update(12, 10000); // error clipped at +0.2 over a full horizon: × 1.2
        AssertClose(0.36, adaptive.Value, 1e-12);
    }

    [Fact]
    public void EntropyAndLogProbsMatchReference()
    {
        using var scope = torch.NewScope();
        var f = Get("entropy");
        var logits = Tensor(f["logits"]!);
        var ids = LongTensor(f["token_ids"]!);
        // The trainers' own kernels (float32), as the policy scores responses: logits / T, then the token's log-prob.
        AssertClose(f["entropy"]!, Functional.EntropyFromLogits(logits), 1e-5);
        AssertClose(f["log_probs"]!, Functional.TokenLogProbs(logits, ids), 1e-5);
        AssertClose(f["log_probs_at_temperature"]!, Functional.TokenLogProbs(logits / Number(f["temperature"]!), ids), 1e-5);
    }

    [Fact]
    public void FunctionsHandOnlyTheirResultsToTheCallersScope()
    {
        // Scopes are per thread, so this is exact even while other tests create tensors in parallel: a function
        // that forgot its own scope would leave its intermediates in the caller's scope.
        var f = Get("policy_loss")[1]!;
        using var outer = torch.NewScope();
        var old = Tensor(f["old_log_probs"]!);
        var logProbs = Tensor(f["log_probs"]!);
        var advantages = Tensor(f["advantages"]!);
        var mask = Tensor(f["mask"]!);
        var owned = outer.Count;
        void Expect(int added) => Assert.Equal(owned += added, outer.Count);
        PolicyLoss.ComputeClipped(old, logProbs, advantages, mask, new PolicyLossSettings(0.2, 0.28, 3, LossAggregationMode.SeqMeanTokenMean));
        Expect(1);
        Gae.Compute(advantages, old, mask, 0.99, 0.95);
        Expect(2);
        KlReward.Apply(advantages, old, logProbs, mask, 0.1);
        Expect(1);
        GrpoAdvantage.Compute(advantages, mask, [0, 0, 1, 1, 2]);
        Expect(1);
        ValueLoss.ComputeClipped(advantages, old, logProbs, mask, 0.5);
        Expect(1);
        LossNormalizer.For([mask, mask], 4);
        ValueLoss.ExplainedVariance(advantages, old, mask);
        Expect(0);
        var scores = advantages.Sum(-1);
        Expect(1);
        RlooAdvantage.Compute(advantages, mask, [0, 0, 1, 1, 2]);
        OutcomeReward.PlaceOnLastToken(scores, mask);
        Masked.Whiten(advantages, mask);
        Expect(3);
        ReinforcePlusPlus.Compute(advantages, mask, 0.9);
        Expect(2);
        ReinforcePlusPlus.ComputeWithBaseline(advantages, mask, [0, 0, 1, 1, 2]);
        Expect(1);
    }
}
