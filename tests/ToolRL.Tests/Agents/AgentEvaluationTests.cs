using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;

namespace ToolRL.Tests.Agents;

public class AgentEvaluationTests
{
    private static AgentTrajectory Played(int group, bool success, TerminationReason termination = TerminationReason.Answered, int calls = 2, int errors = 1) => new()
    {
        Task = new AgentTask($"t{group}", new JsonObject()),
        GroupIndex = group,
        SampleIndex = 0,
        PromptIds = [1],
        ResponseIds = [2, 3, 4],
        LossMask = [true, false, true],
        LogProbs = [0, 0, 0],
        Segments = [],
        Messages = [],
        NumTurns = 2,
        ToolCalls = calls,
        ToolErrors = errors,
        Termination = termination,
        Score = new EpisodeScore(success ? 1 : 0, success, new Dictionary<string, double>()),
        StepRewards = [],
    };

    [Fact]
    public void Pass_hat_and_pass_at_k_follow_the_formulas_over_tasks()
    {
        // Task 0: 2 of 4 succeed; task 1: 4 of 4; task 2: 0 of 4.
        var trajectories = new List<AgentTrajectory>();
        for (var s = 0; s < 4; s++)
        {
            trajectories.Add(Played(0, s < 2));
            trajectories.Add(Played(1, true));
            trajectories.Add(Played(2, false));
        }
        var result = AgentEvaluation.Summarize(trajectories, 4);
        // pass^k = C(c,k)/C(n,k): task 0 gives 1/2, 1/6, 0, 0; task 1 gives 1; task 2 gives 0.
        Assert.Equal((0.5 + 1 + 0) / 3, result.Metrics["val/agent/pass^1"], 12);
        Assert.Equal((1.0 / 6 + 1 + 0) / 3, result.Metrics["val/agent/pass^2"], 12);
        Assert.Equal(1.0 / 3, result.Metrics["val/agent/pass^4"], 12);
        // pass@k = 1 − C(n−c,k)/C(n,k): task 0 gives 1/2, 5/6, 1, 1.
        Assert.Equal((5.0 / 6 + 1 + 0) / 3, result.Metrics["val/agent/pass@2"], 12);
        Assert.Equal(2.0 / 3, result.Metrics["val/agent/pass@4"], 12);
        Assert.Equal(result.PassHat[1], result.Metrics["val/agent/pass^2"]);
    }

    [Fact]
    public void Environment_failures_leave_the_means_and_their_task_trials()
    {
        List<AgentTrajectory> trajectories =
        [
            Played(0, true), Played(0, false, TerminationReason.EnvError, calls: 9, errors: 9),
            Played(1, false, TerminationReason.MaxTurns, calls: 4, errors: 0),
        ];
        var metrics = AgentMetrics.Summarize(trajectories);
        Assert.Equal(0.5, metrics["agent/success/mean"]);
        Assert.Equal(1.0 / 6, metrics["agent/tool_error_rate"], 12);   // (1 + 0) / (2 + 4)
        Assert.Equal(3.0, metrics["agent/tool_calls/mean"]);
        Assert.Equal(1.0 / 3, metrics["agent/termination/env_error"], 12);
        Assert.Equal(1.0 / 3, metrics["agent/termination/max_turns"], 12);
        Assert.Equal(1.0, metrics["agent/policy_tokens/mean"] / 2);
        var evaluation = AgentEvaluation.Summarize(trajectories, 2);
        Assert.Equal(0.5, evaluation.Metrics["val/agent/pass^1"]);   // task 0: 1 of 1 valid trial; task 1: 0 of 1
        Assert.False(evaluation.Metrics.ContainsKey("val/agent/pass^2"));   // no task kept 2 valid trials
    }
}
