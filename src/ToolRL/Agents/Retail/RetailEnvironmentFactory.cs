using System.Text.Json.Nodes;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Retail;

/// <summary>
/// The retail demo domain (registered as <c>"retail"</c>): seeded train and held-out task sets, one
/// <see cref="RetailEnvironment"/> per trajectory, and gold conversations (the gold turns played on a fresh shop, with
/// the real tool results and the scripted user's replies) for SFT.
/// </summary>
public sealed class RetailEnvironmentFactory : IAgentEnvironmentFactory
{
    /// <summary>The name in <see cref="EnvironmentRegistry"/>.</summary>
    public const string RegistryName = "retail";

    private readonly IReadOnlyList<AgentTask> _train;
    private readonly IReadOnlyList<AgentTask> _validation;
    private readonly IReadOnlyList<AgentTask> _sftOnly;

    /// <summary>The domain with <paramref name="options"/> (defaults when null).</summary>
    public RetailEnvironmentFactory(RetailOptions? options = null)
    {
        Options = options ?? new RetailOptions();
        Options.Validate();
        // The short SFT tasks continue the training seed's sequence: new shops, and the training tasks stay as they were.
        var train = RetailTaskGenerator.Generate(Options.TrainSeed, Options.TrainTasks + Options.SftShortTasks, Options.Kinds, "train", Options.Users, Options.OrderIdDigits);
        _train = [.. train.Take(Options.TrainTasks)];
        _sftOnly = [.. train.Skip(Options.TrainTasks).Select((t, i) => RetailEnvironment.ShortPromptTask(t, $"train-short-{i:0000}"))];
        _validation = RetailTaskGenerator.Generate(Options.ValidationSeed, Options.ValidationTasks, Options.Kinds, "val", Options.Users, Options.OrderIdDigits);
        if (Options.OfferedTools is { } offered && _train.Concat(_validation).SelectMany(GoldToolNames).FirstOrDefault(n => !offered.Contains(n)) is { } missing)
        {
            throw new ArgumentException($"environment.options.tools leaves out '{missing}', which the gold actions of the chosen kinds use; fix: add it to tools");
        }
    }

    private static IEnumerable<string> GoldToolNames(AgentTask task) =>
        task.Data["gold_turns"]!.AsArray().SelectMany(t => t!["tool_calls"] is JsonArray calls ? calls.Select(c => c!["name"]!.GetValue<string>()) : []);

    /// <summary>The options.</summary>
    public RetailOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<AgentTask> Tasks(TaskSplit split) => split == TaskSplit.Train ? _train : _validation;

    /// <inheritdoc />
    public IReadOnlyList<AgentTask> SftOnlyTasks => _sftOnly;

    /// <inheritdoc />
    public IAgentEnvironment Create(AgentTask task) => new RetailEnvironment(task, Options);

    /// <inheritdoc />
    public async ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        await using var env = new RetailEnvironment(task, Options);
        var reset = await env.ResetAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<ChatMessage>(reset.Messages);
        foreach (var turn in task.Data["gold_turns"]!.AsArray())
        {
            AssistantTurn assistant;
            if (turn!["tool_calls"] is JsonArray calls)
            {
                var parsed = RetailEnvironment.GoldCalls(calls);
                messages.Add(new ChatMessage("assistant", "") { ToolCalls = [.. parsed.Select(p => p.Call!)] });
                assistant = new AssistantTurn("", "", parsed);
            }
            else
            {
                var content = turn["content"]!.GetValue<string>();
                messages.Add(new ChatMessage("assistant", content));
                assistant = new AssistantTurn(content, content, []);
            }
            var step = await env.StepAsync(assistant, cancellationToken).ConfigureAwait(false);
            messages.AddRange(step.Observations.Select(o => new ChatMessage("tool", o.Content)));
            if (step.UserMessage is { } reply)
            {
                messages.Add(new ChatMessage("user", reply));
            }
        }
        return new GoldConversation(messages, ToolSchemas.ToOpenAiFunctions(reset.Tools));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
