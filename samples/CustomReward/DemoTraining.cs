using ToolRL.Data;
using ToolRL.Rewards;

namespace CustomReward;

/// <summary>
/// Stand-in until the GRPO trainer is on main: scores batches of synthetic tool-calling rows (answered with
/// their own ground truth) with the combined reward, one "synthetic i/N key=value ..." line per batch.
/// </summary>
internal static class DemoTraining
{
    public static Task<int> RunAsync(IRewardFunction reward, int steps)
    {
        var rows = SyntheticToolTask.Generate(16, seed: 1234);
        for (var step = 1; step <= steps; step++)
        {
            var batch = rows.Select(row => new RewardSample
            {
                Prompt = row.Prompt,
                Completion = row.GroundTruth,
                GroundTruth = row.GroundTruth,
                Step = step,
            }).ToList();
            var output = reward.Score(batch);
            var metrics = RewardMetrics.Summarize(reward.Name, output);
            Console.WriteLine($"synthetic {step}/{steps} reward={metrics["rewards/total/mean"]:R} thought_length={metrics["rewards/total/thought_length/mean"]:R}");
        }
        return Task.FromResult(0);
    }
}
