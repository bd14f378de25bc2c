using System.Text.Json.Nodes;
using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Testing;
using ToolRL.Torch;
using static ToolRL.Tests.Algorithms.AlgorithmFixtures;

namespace ToolRL.Tests.Algorithms;

/// <summary>
/// The advantage-estimator and policy-loss registries (verl's register_adv_est / register_policy_loss), and RLOO,
/// REINFORCE++ and REINFORCE++-baseline against python3-torch references written from the papers and verl
/// (tools/algorithms/make_estimator_fixtures.py, float64; groups of 4, 3, 2 and one, masks with observation holes).
/// </summary>
public sealed class EstimatorRegistryTests
{
    private static readonly Lazy<JsonArray> Cases = new(() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "algorithms", "estimator_fixtures.json")))!["cases"]!.AsArray());

    private static AdvantageResult Run(string estimator, JsonNode c)
    {
        var input = new AdvantageInput(Tensor(c["token_level_rewards"]!), Tensor(c["response_mask"]!), Longs(c["index"]!))
        {
            Gamma = c["gamma"]!.GetValue<double>(),
        };
        return AdvantageEstimators.Default.Get(estimator).Compute(input);
    }

    [Theory]
    [InlineData(AdvantageEstimators.Rloo, "rloo")]
    [InlineData(AdvantageEstimators.ReinforcePlusPlusBaseline, "reinforce_plus_plus_baseline")]
    [InlineData(AdvantageEstimators.ReinforcePlusPlus, "reinforce_plus_plus")]
    public void OutcomeEstimatorsMatchTheReference(string estimator, string key)
    {
        using var scope = torch.NewScope();
        foreach (var c in Cases.Value)
        {
            AssertClose(c![key]!, Run(estimator, c).Advantages);
        }
    }

    [Fact]
    public void ReinforcePlusPlusReturnsAreTheDiscountedResetReturns()
    {
        using var scope = torch.NewScope();
        foreach (var c in Cases.Value)
        {
            AssertClose(c!["reinforce_plus_plus_returns"]!, Run(AdvantageEstimators.ReinforcePlusPlus, c).Returns);
        }
    }

    [Fact]
    public void RlooIsTheLeaveOneOutBaselineAndAGroupOfOneKeepsItsScore()
    {
        // Scores 1, 0, 0, 1 in one group: A_0 = 1 − (0 + 0 + 1)/3 = 2/3, A_1 = 0 − 2/3; a lone 3.0 stays 3.0 (verl).
        var advantages = RlooAdvantage.SequenceAdvantages([1.0, 0.0, 0.0, 1.0, 3.0], [0, 0, 0, 0, 1]);
        Assert.Equal([2.0 / 3, -2.0 / 3, -2.0 / 3, 2.0 / 3, 3.0], advantages, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void DrGrpoIsGrpoWithoutTheStdAndMatchesItsReference()
    {
        using var scope = torch.NewScope();
        var f = Get("grpo").AsArray().First(c => !c!["norm_by_std"]!.GetValue<bool>())!;
        var input = new AdvantageInput(Tensor(f["token_rewards"]!), Tensor(f["mask"]!), Longs(f["groups"]!)) { NormalizeByStd = true };
        AssertClose(f["advantages"]!, AdvantageEstimators.Default.Get(AdvantageEstimators.DrGrpo).Compute(input).Advantages);
    }

    [Fact]
    public void TheBuiltInsAreRegisteredAndOnlyTheGaesNeedValues()
    {
        var registry = AdvantageEstimators.CreateWithBuiltIns();
        Assert.Equal(["dr_grpo", "gae", "gae_decaying", "grpo", "reinforce_plus_plus", "reinforce_plus_plus_baseline", "rloo", "turn_reward_to_go"], registry.Names);
        Assert.Equal(["gae", "gae_decaying"], registry.Names.Where(n => registry.Get(n).NeedsValues));
        Assert.Contains(PolicyLosses.Vanilla, PolicyLosses.Default.Names);
    }

    [Fact]
    public void AnUnknownOrTakenNameIsRefusedWithTheKnownNames()
    {
        var registry = AdvantageEstimators.CreateWithBuiltIns();
        var unknown = Assert.Throws<ArgumentException>(() => registry.Get("ppo++"));
        Assert.Contains("unknown adv_estimator 'ppo++'", unknown.Message);
        Assert.Contains("rloo", unknown.Message);
        var taken = Assert.Throws<ArgumentException>(() => registry.Register("rloo", i => new AdvantageResult(i.TokenLevelRewards, i.TokenLevelRewards)));
        Assert.Contains("already registered", taken.Message);
        Assert.Throws<ArgumentException>(() => PolicyLosses.CreateWithBuiltIns().Get("clip_cov"));
    }

    private static TrainingConfig Read(string algorithm, string? estimator) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "{{algorithm}}", "batch_size": 4, "n": 2, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 2 {{(estimator is null ? "" : $", \"adv_estimator\": \"{estimator}\"")}},
          "max_prompt_length": 64, "max_response_length": 16,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 4 } }
        }
        """)!.AsObject());

    [Fact]
    public void TheConfigSelectsTheEstimatorByNameWithADefaultPerAlgorithm()
    {
        Assert.Equal("grpo", Read("grpo", null).EffectiveAdvEstimator);
        Assert.Equal("gae", Read("ppo", null).EffectiveAdvEstimator);
        Assert.Equal("rloo", Read("grpo", "rloo").AdvEstimator);
        Assert.Equal("vanilla", Read("grpo", null).PolicyLoss);
        Assert.Equal("reinforce_plus_plus", TrainingConfig.FromJson(Read("grpo", "reinforce_plus_plus").ToJson()).AdvEstimator);
    }

    [Theory]
    [InlineData("grpo", "gae", "reads critic values")]
    [InlineData("ppo", "rloo", "trains a critic")]
    [InlineData("grpo", "ppo++", "is not a registered advantage estimator")]
    public void AMismatchedOrUnknownEstimatorIsAConfigError(string algorithm, string estimator, string problem)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(algorithm, estimator));
        Assert.Contains("adv_estimator", error.Message);
        Assert.Contains(problem, error.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
