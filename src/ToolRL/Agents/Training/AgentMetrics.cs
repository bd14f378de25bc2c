using ToolRL.Agents.Rollout;

namespace ToolRL.Agents.Training;

/// <summary>
/// The agent metrics of a batch of trajectories (docs/agents.md): <c>agent/num_turns/mean</c>,
/// <c>agent/tool_calls/mean</c>, <c>agent/tool_error_rate</c> (failed calls / all calls), <c>agent/success/mean</c>,
/// <c>agent/reward/mean</c>, <c>agent/policy_tokens/mean</c> and <c>agent/response_tokens/mean</c> (generated vs all
/// response tokens), and <c>agent/termination/{reason}</c> fractions. Environment failures are left out of every
/// mean, as tau2 leaves out infrastructure errors, and counted in <c>agent/termination/env_error</c>.
/// </summary>
public static class AgentMetrics
{
    /// <summary>The metrics of <paramref name="trajectories"/>, names prefixed with <paramref name="prefix"/> (e.g. "val/").</summary>
    public static Dictionary<string, double> Summarize(IReadOnlyList<AgentTrajectory> trajectories, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (trajectories.Count == 0)
        {
            return metrics;
        }
        foreach (var reason in Enum.GetValues<TerminationReason>())
        {
            metrics[$"{prefix}agent/termination/{SnakeCase(reason.ToString())}"] = trajectories.Count(t => t.Termination == reason) / (double)trajectories.Count;
        }
        var valid = trajectories.Where(t => t.Termination != TerminationReason.EnvError).ToList();
        if (valid.Count == 0)
        {
            return metrics;
        }
        var calls = valid.Sum(t => t.ToolCalls);
        metrics[$"{prefix}agent/num_turns/mean"] = valid.Average(t => t.NumTurns);
        metrics[$"{prefix}agent/tool_calls/mean"] = valid.Average(t => t.ToolCalls);
        metrics[$"{prefix}agent/tool_error_rate"] = calls == 0 ? 0 : valid.Sum(t => t.ToolErrors) / (double)calls;
        metrics[$"{prefix}agent/success/mean"] = valid.Average(t => t.Score.Success ? 1.0 : 0.0);
        metrics[$"{prefix}agent/reward/mean"] = valid.Average(t => t.Score.Reward);
        metrics[$"{prefix}agent/policy_tokens/mean"] = valid.Average(t => t.PolicyTokens);
        metrics[$"{prefix}agent/response_tokens/mean"] = valid.Average(t => t.ResponseIds.Length);
        return metrics;
    }

    /// <summary>"MaxTurns" → "max_turns".</summary>
    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
