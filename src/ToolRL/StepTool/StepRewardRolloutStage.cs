using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;
using ToolRL.Training.Rollout;

namespace ToolRL.StepTool;

/// <summary>
/// Online step-grained rewards (StepTool's shaping, in the project's own multi-turn rollouts): runs the agent loop
/// (<see cref="AgentRolloutStage"/>, whose trajectory reward stays the environment's outcome) and adds, for every
/// assistant turn that called tools (a malformed call block counts, as a failed call), <c>weight × (succ + contribution) / 2</c> (<see cref="RuleBasedStepAnnotator"/>:
/// the tool ran without error; its output overlaps the final answer) on the turn's last generated token. With PPO's
/// GAE the step rewards give earlier turns their own credit; with <c>turn_reward_to_go</c> they enter the per-turn
/// returns; with GRPO they are summed into the trajectory's score. Metric: <c>steptool/step_reward/mean</c> (per
/// trajectory, summed over its turns).
/// </summary>
public sealed class StepRewardRolloutStage(AgentRolloutStage inner, double weight, double contributionThreshold = RuleBasedStepAnnotator.DefaultContributionThreshold) : IRolloutStage
{
    /// <summary>The weight of a step score.</summary>
    public double Weight { get; } = weight;

    /// <inheritdoc />
    public async Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        var batch = await inner.RolloutAsync(request, cancellationToken).ConfigureAwait(false);
        var played = inner.LastTrajectories;
        if (played.Count != batch.Trajectories.Count)
        {
            throw new InvalidOperationException("the agent stage's trajectories do not match its batch");
        }
        var totals = new double[played.Count];
        var trajectories = batch.Trajectories.Select((t, i) =>
        {
            var rewards = t.TokenRewards is null ? new float[t.ResponseIds.Length] : (float[])t.TokenRewards.Clone();
            foreach (var (index, score) in StepRewards(played[i], contributionThreshold))
            {
                rewards[index] += (float)(Weight * score);
                totals[i] += Weight * score;
            }
            return t with { TokenRewards = rewards };
        }).ToList();
        var metrics = new Dictionary<string, double>(batch.Metrics, StringComparer.Ordinal)
        {
            ["steptool/step_reward/mean"] = totals.Length > 0 ? totals.Average() : 0,
        };
        return new RolloutBatch(trajectories) { Metrics = metrics };
    }

    /// <summary>
    /// The step scores of one trajectory: for each assistant turn the environment answered with tool results (its
    /// calls, or a malformed call block, which fails as a call), the response index of its last generated token and
    /// its annotator score against the final answer (the last assistant turn without calls or tool results).
    /// </summary>
    public static IReadOnlyList<(int TokenIndex, double Score)> StepRewards(AgentTrajectory trajectory, double contributionThreshold = RuleBasedStepAnnotator.DefaultContributionThreshold)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        var messages = trajectory.Messages;
        var finalAnswer = messages.Where((m, i) => m.Role == "assistant" && m.ToolCalls is not { Count: > 0 } && (i + 1 == messages.Count || messages[i + 1].Role != "tool"))
            .LastOrDefault()?.Content ?? "";
        var turnEnds = trajectory.Segments.Where(s => s.Kind == SegmentKind.Policy)
            .GroupBy(s => s.Turn).ToDictionary(g => g.Key, g => g.Max(s => s.Start + s.Length - 1));
        var steps = new List<(int, double)>();
        var turn = 0;
        for (var m = 0; m < messages.Count; m++)
        {
            if (messages[m].Role != "assistant")
            {
                continue;
            }
            turn++;
            var observations = messages.Skip(m + 1).TakeWhile(x => x.Role == "tool").Select(x => x.Content).ToList();
            if (observations.Count == 0 || !turnEnds.TryGetValue(turn, out var end))
            {
                continue;
            }
            steps.Add((end, RuleBasedStepAnnotator.StepScore(observations, finalAnswer, contributionThreshold)));
        }
        return steps;
    }
}
