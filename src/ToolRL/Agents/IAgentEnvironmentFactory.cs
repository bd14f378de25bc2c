namespace ToolRL.Agents;

/// <summary>
/// Makes the environments of one kind: lists its task sets and creates one fresh <see cref="IAgentEnvironment"/> per
/// trajectory. Registered by name in an <see cref="EnvironmentRegistry"/> so configs can choose it.
/// </summary>
public interface IAgentEnvironmentFactory : IAsyncDisposable
{
    /// <summary>The tasks of a split (deterministic: the same options give the same tasks).</summary>
    IReadOnlyList<AgentTask> Tasks(TaskSplit split);

    /// <summary>
    /// Extra tasks whose gold trajectories join the SFT warm start's data, beside those of the training tasks; RFT and
    /// GRPO never roll them out and they are never evaluated. For data that teaches what the full tasks need in fewer
    /// tokens, e.g. the retail domain's short-prompt tasks (<c>sft_short_tasks</c>). None by default.
    /// </summary>
    IReadOnlyList<AgentTask> SftOnlyTasks => [];

    /// <summary>A fresh environment for one trajectory of <paramref name="task"/>.</summary>
    IAgentEnvironment Create(AgentTask task);

    /// <summary>
    /// The gold conversation of a task (opening messages, the reference tool calls with their real results, the final
    /// answer), for SFT on gold trajectories; null when the environment has none.
    /// </summary>
    ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default);
}

/// <summary>A task's reference conversation and the tools it was played with.</summary>
/// <param name="Messages">The whole conversation, ending with the assistant's final answer.</param>
/// <param name="Tools">The tool schemas as rendered into the system prompt.</param>
public sealed record GoldConversation(IReadOnlyList<Tokenization.ChatMessage> Messages, IReadOnlyList<System.Text.Json.Nodes.JsonObject> Tools);
