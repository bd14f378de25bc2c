using System.Text.Json.Nodes;
using ToolRL.Algorithms;
using ToolRL.StepTool;
using ToolRL.Testing;
using ToolRL.Tests.Algorithms;
using ToolRL.Torch;

namespace ToolRL.Tests.StepTool;

/// <summary>
/// StepTool's reward placement, its GAE (trl 0.10.1), its KL statistic and adaptive controller, and the turn-level
/// reward-to-go estimator, against python3-torch implementations of the equations (tools/steptool/make_fixtures.py).
/// </summary>
public sealed class StepToolEquationTests
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "steptool", "steptool_fixtures.json")))!.AsObject());

    private static JsonNode F(string name) => Root.Value[name]!;

    private static IReadOnlyList<IReadOnlyList<double>> Scores =>
        [.. F("scores").AsArray().Select(row => (IReadOnlyList<double>)[.. row!.AsArray().Select(v => v!.GetValue<double>())])];

    [Theory]
    [InlineData("reference", StepWeighting.Reference)]
    [InlineData("uniform", StepWeighting.LastToken)]
    public void PlacesStepScoresAsStepToolsCode(string name, StepWeighting weighting)
    {
        using var scope = torch.NewScope();
        var mask = AlgorithmFixtures.Tensor(F("mask"));
        var logp = AlgorithmFixtures.Tensor(F("logprobs"));
        var refLogp = AlgorithmFixtures.Tensor(F("ref_logprobs"));
        var placed = StepRewardPlacement.TokenRewards(logp, logp, mask, Scores, 0.0, weighting);
        AlgorithmFixtures.AssertClose(F("cases")[name]!["placed"]!, placed);
        var rewards = StepRewardPlacement.TokenRewards(logp, refLogp, mask, Scores, AlgorithmFixtures.Number(F("beta")), weighting);
        AlgorithmFixtures.AssertClose(F("cases")[name]!["rewards"]!, rewards);
    }

    [Fact]
    public void ReferenceWeightingNeverTrainsTheFinalStepAndDropsTruncatedSteps()
    {
        // Three segments, five scores: the two earliest steps were cut off, the last step weighs 0.
        bool[] mask = [false, true, true, false, false, true, false, true];
        var placed = StepRewardPlacement.Place(mask, [9, 9, 0.5, 0.25, 1.0], StepWeighting.Reference);
        Assert.Equal([0, 0, 0.5 * 2, 0, 0, 0.25 * 1, 0, 0], placed);
        Assert.Equal([0, 0, 0.5, 0, 0, 0.25, 0, 1.0], StepRewardPlacement.Place(mask, [9, 9, 0.5, 0.25, 1.0], StepWeighting.LastToken));
    }

    [Theory]
    [InlineData("reference")]
    [InlineData("uniform")]
    public void DecayingGaeMatchesTrl(string name)
    {
        using var scope = torch.NewScope();
        var mask = AlgorithmFixtures.Tensor(F("mask"));
        var values = AlgorithmFixtures.Tensor(F("values"));
        var rewards = AlgorithmFixtures.Tensor(F("cases")[name]!["rewards"]!);
        var result = DecayingGae.Compute(rewards, values, mask, AlgorithmFixtures.Number(F("gamma")), AlgorithmFixtures.Number(F("lam")));
        AlgorithmFixtures.AssertClose(F("cases")[name]!["advantages"]!, result.Advantages);
        AlgorithmFixtures.AssertClose(F("cases")[name]!["returns"]!, result.Returns);
    }

    [Fact]
    public void DecayingGaeDiffersFromSkippingGaeAcrossObservations()
    {
        // docs/agentic-rl toy: V ≡ 0, 1.8 at the end of turn 1, 0.6 at the end of turn 2, 3 observation tokens between.
        using var scope = torch.NewScope();
        var mask = torch.FromArray(new double[] { 1, 1, 0, 0, 0, 1, 1 }, 1, 7);
        var rewards = torch.FromArray(new double[] { 0, 1.8, 0, 0, 0, 0, 0.6 }, 1, 7);
        var zero = torch.ZerosLike(rewards);
        var decaying = DecayingGae.Compute(rewards, zero, mask, 0.99, 0.95, whiten: false).Advantages.ToArray<double>();
        var skipping = Gae.Compute(rewards, zero, mask, 0.99, 0.95, whiten: false).Advantages.ToArray<double>();
        var gl = 0.99 * 0.95;
        Assert.Equal(1.8 + 0.6 * Math.Pow(gl, 5), decaying[1], 12);   // two generated + three observation steps of decay
        Assert.Equal(1.8 + 0.6 * Math.Pow(gl, 2), skipping[1], 12);   // only the generated steps decay
    }

    [Fact]
    public void KlStatisticIsTheMeanPerSequenceSum()
    {
        using var scope = torch.NewScope();
        var kl = StepRewardPlacement.SequenceSumKl(AlgorithmFixtures.Tensor(F("logprobs")), AlgorithmFixtures.Tensor(F("ref_logprobs")), AlgorithmFixtures.Tensor(F("mask")));
        AlgorithmFixtures.AssertClose(AlgorithmFixtures.Number(F("kl_statistic")), kl);
    }

    [Theory]
    [InlineData(10000.0, "betas")]
    [InlineData(40.0, "betas_short_horizon")]
    public void AdaptiveKlControllerFollowsItsFormula(double horizon, string key)
    {
        var spec = F("adaptive_kl");
        var controller = new AdaptiveKlController(spec["init"]!.GetValue<double>(), spec["target"]!.GetValue<double>(), horizon);
        var expected = spec[key]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var kls = spec["kls"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        for (var i = 0; i < kls.Length; i++)
        {
            controller.Update(kls[i], spec["n"]!.GetValue<long>());
            AlgorithmFixtures.AssertClose(expected[i], controller.Value, 1e-12);
        }
    }

    [Fact]
    public void TurnRewardToGoMatchesTheReference()
    {
        using var scope = torch.NewScope();
        var spec = F("turn_rtg");
        var groups = spec["groups"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
        var advantages = TurnLevelAdvantage.Compute(AlgorithmFixtures.Tensor(spec["rewards"]!), AlgorithmFixtures.Tensor(F("mask")), groups,
            spec["gamma"]!.GetValue<double>(), spec["eps"]!.GetValue<double>());
        AlgorithmFixtures.AssertClose(spec["advantages"]!, advantages);
        var registered = AdvantageEstimators.Default.Get(AdvantageEstimators.TurnRewardToGo).Compute(
            new AdvantageInput(AlgorithmFixtures.Tensor(spec["rewards"]!), AlgorithmFixtures.Tensor(F("mask")), groups)
            { Gamma = spec["gamma"]!.GetValue<double>(), Epsilon = spec["eps"]!.GetValue<double>() });
        AlgorithmFixtures.AssertClose(spec["advantages"]!, registered.Advantages);
    }

    [Fact]
    public void TurnBaselineDoesNotDependOnTheTrajectorysOwnTurnCount()
    {
        // The verl RFC #7244 bias: a per-turn-index baseline changes with the trajectory's own number of turns. Here
        // trajectory 0 reaches the same return in one turn or in three; its first-turn advantage must not change,
        // and nor must the other members' (their baseline sees only its return from the start state).
        using var scope = torch.NewScope();
        var oneTurn = Advantages(new double[] { 0, 0, 0, 0, 1.0, 0, 0, 0.5, 0, 0, 0.0 }, new double[] { 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1 });
        var threeTurns = Advantages(new double[] { 0.25, 0, 0.25, 0, 0.5, 0, 0, 0.5, 0, 0, 0.0 }, new double[] { 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1 });
        Assert.Equal(oneTurn[0], threeTurns[0], 12);
        Assert.Equal(oneTurn[1], threeTurns[1], 12);
        Assert.Equal(oneTurn[2], threeTurns[2], 12);

        // Row 0 holds trajectory 0's tokens (first 5 positions), rows 1-2 the others; returns 1.0, 0.5, 0.0 with γ = 1.
        static double[] Advantages(double[] row0Rewards, double[] row0Mask)
        {
            var rewards = torch.FromArray([.. row0Rewards[..5], .. new double[] { 0, 0.5, 0, 0, 0 }, .. new double[] { 0, 0, 0, 0, 0 }], 3, 5);
            var mask = torch.FromArray([.. row0Mask[..5], .. new double[] { 1, 1, 0, 0, 0 }, .. new double[] { 1, 0, 0, 0, 0 }], 3, 5);
            var a = TurnLevelAdvantage.Compute(rewards, mask, [7, 7, 7], gamma: 1.0, normalizeByStd: false).ToArray<double>();
            return [a[0], a[6], a[10]];
        }
    }
}
