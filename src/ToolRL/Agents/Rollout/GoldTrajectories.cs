using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// Gold trajectories for SFT: each task's gold conversation is played through the agent loop itself, its assistant
/// turns written as the template renders them, so the ids, segments and loss masks are laid out exactly as in sampled
/// trajectories (the inserted turns come from the same environment and template). Only conversations the environment
/// scores as solved are kept.
/// </summary>
public static class GoldTrajectories
{
    /// <summary>The solved gold trajectories of <paramref name="tasks"/> (tasks without a gold conversation are skipped).</summary>
    public static async Task<IReadOnlyList<AgentTrajectory>> BuildAsync(IAgentEnvironmentFactory environments, IReadOnlyList<AgentTask> tasks,
        Qwen2Tokenizer tokenizer, AgentRolloutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environments);
        ArgumentNullException.ThrowIfNull(tasks);
        var template = new TurnTemplate(tokenizer);
        var played = new List<AgentTask>();
        var turns = new List<IReadOnlyList<int[]>>();
        foreach (var task in tasks)
        {
            if (await environments.GoldAsync(task, cancellationToken).ConfigureAwait(false) is { } gold)
            {
                played.Add(task);
                turns.Add([.. gold.Messages.Where(m => m.Role == "assistant").Select(template.AssistantIds)]);
            }
        }
        var rollout = new AgentRollout(tokenizer, options);
        var trajectories = await rollout.RunAsync(environments, played, 1, (_, _) => new ScriptedTokenPolicy(turns), cancellationToken).ConfigureAwait(false);
        return [.. trajectories.Where(t => t.Score.Success)];
    }
}
