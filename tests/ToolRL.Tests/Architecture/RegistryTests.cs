using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Algorithms;
using ToolRL.Rewards;

namespace ToolRL.Tests.Architecture;

/// <summary>
/// Reward functions, environments, advantage estimators and policy losses are all registered through one
/// NamedRegistry, so they behave alike: an unknown name lists the registered ones and says how to add one, and a
/// taken name is refused.
/// </summary>
public sealed class RegistryTests
{
    [Fact]
    public void EveryRegistryRefusesUnknownAndTakenNamesTheSameWay()
    {
        var rewards = RewardRegistry.CreateWithBuiltIns();
        var environments = EnvironmentRegistry.CreateWithBuiltIns();
        var estimators = AdvantageEstimators.CreateWithBuiltIns();
        var losses = PolicyLosses.CreateWithBuiltIns();

        AssertUnknown(() => rewards.Create("nope"), "reward function", "bfcl_ast, env_component, toolrl", "RewardRegistry.Register");
        AssertUnknown(() => environments.Create("nope"), "environment", "retail", "EnvironmentRegistry.Register");
        AssertUnknown(() => estimators.Get("nope"), "adv_estimator", string.Join(", ", estimators.Names), "AdvantageEstimators.Default.Register");
        AssertUnknown(() => losses.Get("nope"), "policy_loss", string.Join(", ", losses.Names), "PolicyLosses.Default.Register");

        AssertTaken(() => rewards.Register("toolrl", _ => throw new InvalidOperationException()), "reward function 'toolrl'");
        AssertTaken(() => environments.Register("retail", _ => throw new InvalidOperationException()), "environment 'retail'");
        AssertTaken(() => estimators.Register("grpo", i => throw new InvalidOperationException()), "adv_estimator 'grpo'");
        AssertTaken(() => losses.Register("vanilla", PolicyLoss.ComputeClipped), "policy_loss 'vanilla'");

        // A registered name is found afterwards, and only in its own registry.
        environments.Register("echo", _ => environments.Create("retail", new JsonObject { ["train_tasks"] = 1 }));
        Assert.Equal(["echo", "retail"], environments.Names);
        Assert.DoesNotContain("echo", EnvironmentRegistry.Default.Names);
    }

    private static void AssertUnknown(Action create, string kind, string registered, string owner)
    {
        var e = Assert.Throws<ArgumentException>(create);
        Assert.StartsWith($"unknown {kind} 'nope'. Registered: {registered}. Fix: use one of those, or register it with {owner} first.", e.Message);
    }

    private static void AssertTaken(Action register, string what)
    {
        var e = Assert.Throws<ArgumentException>(register);
        Assert.StartsWith($"{what} is already registered; choose another name.", e.Message);
    }
}
