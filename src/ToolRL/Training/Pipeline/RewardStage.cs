using ToolRL.Configuration;
using ToolRL.Rewards;

namespace ToolRL.Training.Pipeline;

/// <summary>
/// Stage 6, the reward composition: each configured function from the registry with its own <c>options</c>
/// (the built-in toolrl falls back to the <c>reward.toolrl</c> switches), combined by weight. A script's own
/// instances stand in for the registry under their names.
/// </summary>
internal static class RewardStage
{
    public static IRewardFunction Run(TrainingConfig config, IReadOnlyDictionary<string, IRewardFunction>? instances = null)
    {
        var functions = config.Reward.Functions
            .Select(f => new WeightedFunction(
                instances?.GetValueOrDefault(f.Name) ?? RewardRegistry.Default.Create(f.Name, config.Reward.OptionsFor(f)), f.Weight))
            .ToList();
        return new WeightedReward(functions);
    }
}
