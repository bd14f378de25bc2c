#:package ToolRL@0.1.0
#:property PublishAot=false
// GRPO of the tiny demo setup (tiny-demo.json: a random-init one-layer Qwen2, a BPE tokenizer trained on synthetic
// tool-calling prompts, a short SFT warm start) with the ToolRL reward plus a reward class of your own.
// From the repository root, after `dotnet pack ToolRL.sln -c Release -o artifacts/packages`:
//   dotnet run samples/scripts/grpo-custom-reward.cs
// Change Brevity (or write your own IRewardFunction) and run again: the steps print rewards/NAME/mean for it.
// (PublishAot=false: ToolRL reads JSON by reflection, which a file-based app's default native-AOT mode turns off.)
using ToolRL.Rewards;
using ToolRL.Training;

var result = await Train.GrpoAsync(new()
{
    Config = "samples/scripts/tiny-demo.json",
    Rewards = ["toolrl", new(new Brevity(), 0.5)],            // total = 1.0 · toolrl + 0.5 · brevity
    Start = new() { Overwrite = true },                       // replace runs/demo of an earlier run
    Hooks = new() { OnStep = step => Console.WriteLine($"{step.Phase} {step.Step}/{step.TotalSteps} " +
        string.Join(" ", step.Metrics.Values.Where(m => Shown(m.Key)).Select(m => $"{m.Key}={m.Value:R}"))) },
});
Console.WriteLine($"held-out reward {result.Before?.Reward:R} -> {result.After?.Reward:R}; model in {result.ModelDirectory}");

// Printed each step: SFT's loss, the total reward, every reward function's (and component's) mean, the held-out reward.
static bool Shown(string metric) => metric is "sft/loss" or "critic/score/mean" or "val/reward/mean"
    || metric.StartsWith("rewards/", StringComparison.Ordinal) && metric.EndsWith("/mean", StringComparison.Ordinal);

// Your reward: 1 for an empty completion, falling linearly to 0 at 200 characters and beyond.
sealed class Brevity : IRewardFunction
{
    public string Name => "brevity";

    public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
        batch.Select(sample => 1.0 - Math.Min(sample.Completion.Length, 200) / 200.0).ToArray();
}
