using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;
using ChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Agents;

/// <summary>A small BPE tokenizer trained on the retail and weather conversations, a scripted token policy and a weather environment.</summary>
internal static class AgentFixtures
{
    private static readonly Lazy<Qwen2Tokenizer> SharedTokenizer = new(() =>
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 12, ValidationTasks = 6 });
        var corpus = factory.Tasks(TaskSplit.Train).Concat(factory.Tasks(TaskSplit.Validation))
            .Select(t => factory.GoldAsync(t).AsTask().Result!)
            .Select(g => Qwen25ChatTemplate.Render(g.Messages, g.Tools))
            .Append(Qwen25ChatTemplate.Render(WeatherEnvironment.Conversation, ToolSchemas.ToOpenAiFunctions(WeatherEnvironment.Tools)));
        return BpeTrainer.Train(corpus, 420);
    });

    public static Qwen2Tokenizer Tokenizer => SharedTokenizer.Value;

    /// <summary>The ids a policy emits for an assistant message written as the template renders it, ending with &lt;|im_end|&gt;.</summary>
    public static int[] AssistantIds(Qwen2Tokenizer tokenizer, ChatMessage message) => new TurnTemplate(tokenizer).AssistantIds(message);
}

/// <summary>A worked multi-turn example: two parallel get_weather calls, then an answer.</summary>
internal sealed class WeatherEnvironment : IAgentEnvironment
{
    public static readonly ChatMessage[] Conversation = [new("system", "You are a helpful assistant."), new("user", "Weather in Paris and Oslo?")];

    public static readonly IReadOnlyList<AIFunction> Tools =
    [
        AIFunctionFactory.Create((string city) => new JsonObject { ["temp_c"] = city == "Paris" ? 18 : city == "Oslo" ? 9 : throw new ArgumentException($"unknown city '{city}'") },
            "get_weather", "Current weather for a city"),
    ];

    private readonly ToolExecutor _executor = new(Tools);

    public ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(new EnvironmentReset(Conversation, Tools));

    public async ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default) => turn.IsAnswer
        ? EnvironmentStep.End(TerminationReason.Answered)
        : new EnvironmentStep(await _executor.ExecuteAsync(turn.Calls, cancellationToken), null, false);

    public ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new EpisodeScore(termination == TerminationReason.Answered ? 1 : 0, termination == TerminationReason.Answered, new Dictionary<string, double>()));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class WeatherFactory : IAgentEnvironmentFactory
{
    public static readonly AgentTask Task = new("weather", []);

    public IReadOnlyList<AgentTask> Tasks(TaskSplit split) => [Task];

    public IAgentEnvironment Create(AgentTask task) => new WeatherEnvironment();

    public ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default) => ValueTask.FromResult<GoldConversation?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
