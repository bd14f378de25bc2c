using ToolRL.Agents.Rollout;
using ToolRL.Evaluation;
using ToolRL.Models;

namespace ToolRL.Agents.Training;

/// <summary>
/// tau2-style held-out evaluation (tau2-bench's pass^k; docs/evaluation.md): every task is played <c>n</c> times with sampling, and
/// pass^k (all k of k drawn trials succeed, C(c,k)/C(n,k)) and pass@k (at least one does) are averaged over tasks for
/// k = 1..n, with the functions of <see cref="PassAtK"/>. Episodes that failed for infrastructure reasons
/// (<see cref="TerminationReason.EnvError"/>) leave their task's trial count, as tau2 excludes them.
/// </summary>
public static class AgentEvaluation
{
    /// <summary>Plays the tasks and returns the trajectories and the metrics <c>val/agent/pass^k</c>, <c>val/agent/pass@k</c> and the agent means.</summary>
    public static async Task<AgentEvaluationResult> RunAsync(Qwen2ForCausalLM model, AgentRollout rollout, IAgentEnvironmentFactory environments,
        IReadOnlyList<AgentTask> tasks, int trials, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        var trajectories = await rollout.RunAsync(model, environments, tasks, trials, seed, cancellationToken).ConfigureAwait(false);
        return Summarize(trajectories, trials);
    }

    /// <summary>The pass^k/pass@k metrics of already-played trajectories (<paramref name="trials"/> per task).</summary>
    public static AgentEvaluationResult Summarize(IReadOnlyList<AgentTrajectory> trajectories, int trials)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        var metrics = AgentMetrics.Summarize(trajectories, "val/");
        var problems = trajectories.GroupBy(t => t.GroupIndex)
            .Select(g => g.Where(t => t.Termination != TerminationReason.EnvError).ToList())
            .Where(g => g.Count > 0)
            .Select(g => (N: g.Count, C: g.Count(t => t.Score.Success)))
            .ToList();
        var passHat = new double[trials];
        for (var k = 1; k <= trials && problems.Count > 0; k++)
        {
            var eligible = problems.Where(p => p.N >= k).ToList();
            if (eligible.Count == 0)
            {
                passHat[k - 1] = double.NaN;   // no task kept k valid trials
                continue;
            }
            passHat[k - 1] = PassAtK.MeanPassHat(eligible, k);
            metrics[$"val/agent/pass^{k}"] = passHat[k - 1];
            metrics[$"val/agent/pass@{k}"] = PassAtK.MeanPassAt(eligible, k);
        }
        return new AgentEvaluationResult(trajectories, metrics, passHat);
    }
}

/// <summary>The outcome of <see cref="AgentEvaluation"/>.</summary>
/// <param name="Trajectories">Every trajectory played.</param>
/// <param name="Metrics">val/agent/pass^k, val/agent/pass@k (k = 1..n) and the agent means under <c>val/</c>.</param>
/// <param name="PassHat">pass^1 … pass^n (NaN where no task kept k valid trials).</param>
public sealed record AgentEvaluationResult(IReadOnlyList<AgentTrajectory> Trajectories, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<double> PassHat);
