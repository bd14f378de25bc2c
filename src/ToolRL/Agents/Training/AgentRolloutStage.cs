using System.Diagnostics;
using System.Text.Json.Nodes;
using ToolRL.Agents.Rollout;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;
using ChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Agents.Training;

/// <summary>
/// The agent loop as the trainers' rollout stage: each step's rows name tasks (<c>extra_info.task_id</c>, see
/// <see cref="TaskRows"/>); every task is played <c>n</c> times in fresh environments with the policy and the step's
/// sampling settings (<c>max_response_length</c> is the trajectory's token budget: generated and inserted tokens), and
/// each trajectory is handed to GRPO/PPO with its loss mask and group. Its reward is the environment's score times
/// <see cref="EnvironmentWeight"/> plus the configured reward functions, which see the final answer as the completion
/// and every turn in <c>extra</c> (<c>messages</c> with each turn's parsed <c>tool_calls</c>, <c>num_turns</c>, <c>tool_calls</c>, <c>tool_errors</c>,
/// <c>termination</c>, and the environment's <c>score_components</c>). Per-turn environment rewards go on each turn's last generated token. Metrics:
/// <see cref="AgentMetrics"/> and <c>timing_s/gen</c>.
/// </summary>
public sealed class AgentRolloutStage(IAgentEnvironmentFactory environments, Qwen2Tokenizer tokenizer, AgentRolloutOptions options,
    IRewardFunction? reward = null, double environmentWeight = 1.0) : IRolloutStage
{
    private readonly Dictionary<string, AgentTask> _tasks = environments.Tasks(TaskSplit.Train).Concat(environments.Tasks(TaskSplit.Validation))
        .ToDictionary(t => t.Id, StringComparer.Ordinal);

    /// <summary>The weight of the environment's score in the reward.</summary>
    public double EnvironmentWeight { get; } = environmentWeight;

    /// <summary>The last step's trajectories as the agent loop produced them (for logs and tests).</summary>
    public IReadOnlyList<AgentTrajectory> LastTrajectories { get; private set; } = [];

    /// <inheritdoc />
    public async Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Policy is not Qwen2Policy policy)
        {
            throw new ArgumentException($"the agent rollout samples with a Qwen2 policy; got {request.Policy.GetType().Name}", nameof(request));
        }
        var tasks = request.Rows.Select(TaskOf).ToList();
        var rollout = new AgentRollout(tokenizer, options with
        {
            MaxTotalTokens = request.Sampling.MaxNewTokens,
            Temperature = request.Sampling.Temperature,
            TopP = request.Sampling.TopP,
            TopK = request.Sampling.TopK,
        });
        var started = Stopwatch.GetTimestamp();
        policy.Module.Eval();
        var played = await rollout.RunAsync(policy.Model, environments, tasks, request.N, request.Seed, cancellationToken).ConfigureAwait(false);
        LastTrajectories = played;
        var metrics = AgentMetrics.Summarize(played);
        metrics[MetricNames.TimingGen] = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var extra = reward is null ? null : ScoreWithRewardFunctions(reward, played, request.Step, metrics);
        var trajectories = played.Select((t, i) => ForTrainer(t, EnvironmentWeight * t.Score.Reward + (extra?[i] ?? 0))).ToList();
        return new RolloutBatch(trajectories) { Metrics = metrics };
    }

    /// <summary>
    /// A played trajectory as the trainers take it: its ids and loss mask, its group, <paramref name="reward"/> (the
    /// trainer puts it on the last generated token) and the environment's per-turn rewards on each turn's last
    /// generated token (<see cref="Trajectory.TokenRewards"/>, added to the token-level rewards for GAE).
    /// </summary>
    internal static Trajectory ForTrainer(AgentTrajectory t, double reward) => new()
    {
        PromptIds = t.PromptIds,
        ResponseIds = t.ResponseIds,
        LossMask = t.LossMask,
        GroupId = t.GroupIndex,
        Reward = reward,
        TokenRewards = TokenRewards(t),
        Stopped = t.Termination is TerminationReason.Answered or TerminationReason.AgentStop or TerminationReason.UserStop,
    };

    private AgentTask TaskOf(RlRow row) =>
        row.ExtraInfo?["task_id"]?.GetValue<string>() is { } id && _tasks.TryGetValue(id, out var task)
            ? task
            : throw new ArgumentException($"row {row.Index} names no task of the environment (extra_info.task_id is {row.ExtraInfo?["task_id"]?.ToJsonString() ?? "missing"}); build the rows with TaskRows.From");

    /// <summary>
    /// Scores whole trajectories with <paramref name="reward"/>: the opening (system, user) is the prompt, the final answer
    /// the completion, and <c>extra</c> holds every turn (<c>messages</c>), the counts and the environment's score components; its metrics go into <paramref name="metrics"/>.
    /// </summary>
    internal static double[] ScoreWithRewardFunctions(IRewardFunction reward, IReadOnlyList<AgentTrajectory> played, int step, Dictionary<string, double> metrics)
    {
        var samples = played.Select(t => new RewardSample
        {
            Prompt = [.. t.Messages.TakeWhile(m => m.Role is "system" or "user")],
            Completion = t.Messages.LastOrDefault(m => m.Role == "assistant")?.Content ?? "",
            Extra = new JsonObject
            {
                ["task_id"] = t.Task.Id,
                ["messages"] = new JsonArray([.. t.Messages.Select(MessageJson)]),
                ["num_turns"] = t.NumTurns,
                ["tool_calls"] = t.ToolCalls,
                ["tool_errors"] = t.ToolErrors,
                ["termination"] = AgentMetrics.SnakeCase(t.Termination.ToString()),
                ["score_components"] = new JsonObject(t.Score.Components.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))),
            },
            Step = step,
        }).ToList();
        var output = reward.Score(samples);
        foreach (var (name, value) in RewardMetrics.Summarize(reward.Name, output))
        {
            metrics[name] = value;
        }
        return [.. output.Values.Select(v => v ?? 0)];
    }

    /// <summary>A turn as the reward functions see it: role, content and, for a turn that called tools, its parsed calls.</summary>
    private static JsonNode MessageJson(ChatMessage m)
    {
        var json = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
        if (m.ToolCalls is { Count: > 0 } calls)
        {
            json["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.DeepClone() })]);
        }
        return json;
    }

    private static float[]? TokenRewards(AgentTrajectory t)
    {
        if (t.StepRewards.Count == 0)
        {
            return null;
        }
        var rewards = new float[t.ResponseIds.Length];
        foreach (var (index, value) in t.StepRewards)
        {
            rewards[index] += (float)value;
        }
        return rewards;
    }
}

/// <summary>Tasks as the trainers' rows: the opening conversation as the prompt and <c>extra_info.task_id</c>.</summary>
public static class TaskRows
{
    /// <summary>One row per task, in order.</summary>
    public static IReadOnlyList<RlRow> From(IReadOnlyList<AgentTask> tasks, string dataSource) =>
        [.. tasks.Select((t, i) => new RlRow([new ChatMessage("user", t.Id)], "", dataSource, new JsonObject { ["task_id"] = t.Id }, new JsonObject { ["task_id"] = t.Id }, i))];
}
