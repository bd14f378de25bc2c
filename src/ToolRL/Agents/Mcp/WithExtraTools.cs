using Microsoft.Extensions.AI;
using ToolRL.Agents.Tools;

namespace ToolRL.Agents.Mcp;

/// <summary>
/// An environment factory whose environments offer extra tools (e.g. from MCP servers) beside their own: the extra
/// tools are listed after the environment's, and a turn's calls run in order, each by whoever owns the tool (runs of
/// the environment's own calls are stepped as one turn, so its state changes happen in call order). Answers and
/// scoring stay the environment's.
/// </summary>
public sealed class WithExtraTools(IAgentEnvironmentFactory inner, IReadOnlyList<AIFunction> extraTools, ToolExecutionOptions? options = null) : IAgentEnvironmentFactory
{
    private readonly ToolExecutor _executor = new(extraTools, options);

    /// <inheritdoc />
    public IReadOnlyList<AgentTask> Tasks(TaskSplit split) => inner.Tasks(split);

    /// <inheritdoc />
    public IReadOnlyList<AgentTask> SftOnlyTasks => inner.SftOnlyTasks;

    /// <inheritdoc />
    public IAgentEnvironment Create(AgentTask task) => new Environment(inner.Create(task), _executor);

    /// <inheritdoc />
    public ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default) => inner.GoldAsync(task, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Environment(IAgentEnvironment inner, ToolExecutor extra) : IAgentEnvironment
    {
        private HashSet<string> _own = [];

        public async ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default)
        {
            var reset = await inner.ResetAsync(cancellationToken).ConfigureAwait(false);
            _own = [.. reset.Tools.Select(t => t.Name)];
            var clash = extra.Tools.Keys.FirstOrDefault(_own.Contains);
            if (clash is not null)
            {
                throw new InvalidOperationException($"the extra tool '{clash}' has the name of one of the environment's tools; rename one of them");
            }
            return reset with { Tools = [.. reset.Tools, .. extra.Tools.Values] };
        }

        public async ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default)
        {
            if (turn.IsAnswer)
            {
                return await inner.StepAsync(turn, cancellationToken).ConfigureAwait(false);
            }
            var observations = new List<ToolObservation>();
            double? reward = null;
            for (var i = 0; i < turn.Calls.Count;)
            {
                var mine = IsExtra(turn.Calls[i]);
                var run = turn.Calls.Skip(i).TakeWhile(c => IsExtra(c) == mine).ToList();
                i += run.Count;
                if (mine)
                {
                    observations.AddRange(await extra.ExecuteAsync(run, cancellationToken).ConfigureAwait(false));
                    continue;
                }
                var step = await inner.StepAsync(turn with { Calls = run }, cancellationToken).ConfigureAwait(false);
                observations.AddRange(step.Observations);
                reward = step.StepReward is { } r ? (reward ?? 0) + r : reward;
                if (step.Done)
                {
                    return step with { Observations = observations, StepReward = reward };
                }
            }
            return new EnvironmentStep(observations, null, false, StepReward: reward);
        }

        private bool IsExtra(ParsedToolCall call) => call.Call is { } c && extra.Tools.ContainsKey(c.Name);

        public ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default) =>
            inner.ScoreAsync(termination, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
