using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;

namespace ToolRL.StepTool;

/// <summary>
/// Writes StepTool-format training rows from an agent environment (the project's own multi-step trajectories), so
/// the reader that serves the authors' files serves these too. Each training task is played in a fresh environment
/// in up to four variants of its gold conversation, so the step scores differ:
/// <list type="number">
/// <item><c>gold</c>: the reference turns.</item>
/// <item><c>failed_call</c>: first the gold's first call with corrupted arguments (an error observation), then the gold turns.</item>
/// <item><c>repeated_call</c>: the gold turns with the first call made twice.</item>
/// <item><c>wrong_answer</c>: the gold's calls, then an answer that says nothing useful.</item>
/// </list>
/// Every assistant turn is a step: the rendered chat (Qwen2.5 template, tools in the system prompt) is cut into
/// <c>prompt[i]</c> (what precedes step i) and <c>response[i]</c> (the turn through its <c>&lt;|im_end|&gt;\n</c>),
/// as StepTool's qwen2 files are. Intermediate steps are scored by <see cref="RuleBasedStepAnnotator"/>, the final
/// step by the environment's outcome.
/// </summary>
public static class StepToolGenerator
{
    /// <summary>The variants, in the order they are generated.</summary>
    public static readonly IReadOnlyList<string> Variants = ["gold", "failed_call", "repeated_call", "wrong_answer"];

    /// <summary>The final answer of the <c>wrong_answer</c> variant.</summary>
    public const string WrongAnswer = "Sorry, I could not do that.";

    /// <summary>Plays <paramref name="tasks"/> × <paramref name="variants"/> and returns the rows (tasks without gold are skipped).</summary>
    public static async Task<IReadOnlyList<StepToolSample>> GenerateAsync(IAgentEnvironmentFactory environments, IReadOnlyList<AgentTask> tasks,
        int variants = 4, double contributionThreshold = RuleBasedStepAnnotator.DefaultContributionThreshold, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environments);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfLessThan(variants, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(variants, Variants.Count);
        var samples = new List<StepToolSample>();
        foreach (var task in tasks)
        {
            if (await environments.GoldAsync(task, cancellationToken).ConfigureAwait(false) is not { } gold)
            {
                continue;
            }
            var goldTurns = gold.Messages.Where(m => m.Role == "assistant").ToList();
            for (var v = 0; v < variants; v++)
            {
                if (Variant(Variants[v], goldTurns) is not { } turns)
                {
                    continue;
                }
                var sample = await PlayAsync(environments, task, turns, contributionThreshold, samples.Count, cancellationToken).ConfigureAwait(false);
                if (sample is not null)
                {
                    samples.Add(sample);
                }
            }
        }
        return samples;
    }

    /// <summary>The assistant turns of a variant, or null when the gold conversation has no tool call to vary.</summary>
    public static IReadOnlyList<ChatMessage>? Variant(string variant, IReadOnlyList<ChatMessage> goldTurns)
    {
        ArgumentNullException.ThrowIfNull(goldTurns);
        var firstCall = goldTurns.ToList().FindIndex(t => t.ToolCalls is { Count: > 0 });
        if (variant == "gold")
        {
            return goldTurns;
        }
        if (firstCall < 0)
        {
            return null;
        }
        var turns = goldTurns.ToList();
        switch (variant)
        {
            case "failed_call":
                turns.Insert(firstCall, turns[firstCall] with { ToolCalls = [.. turns[firstCall].ToolCalls!.Select(Corrupt)] });
                return turns;
            case "repeated_call":
                turns.Insert(firstCall + 1, turns[firstCall]);
                return turns;
            case "wrong_answer":
                var last = turns.FindLastIndex(t => t.ToolCalls is not { Count: > 0 });
                if (last < firstCall)
                {
                    return null;
                }
                turns[last] = new ChatMessage("assistant", WrongAnswer);
                return turns;
            default:
                throw new ArgumentException($"unknown variant '{variant}'; known: {string.Join(", ", Variants)}", nameof(variant));
        }
    }

    // Every string argument gets a suffix that no id, email or reason has.
    private static ChatToolCall Corrupt(ChatToolCall call) => call with
    {
        Arguments = new JsonObject(call.Arguments.Select(a => KeyValuePair.Create(a.Key,
            a.Value is JsonValue v && v.TryGetValue<string>(out var s) ? (JsonNode?)(s + "-x9") : a.Value?.DeepClone()))),
    };

    private static async Task<StepToolSample?> PlayAsync(IAgentEnvironmentFactory environments, AgentTask task, IReadOnlyList<ChatMessage> turns,
        double threshold, int index, CancellationToken cancellationToken)
    {
        await using var env = environments.Create(task);
        var reset = await env.ResetAsync(cancellationToken).ConfigureAwait(false);
        var tools = ToolSchemas.ToOpenAiFunctions(reset.Tools);
        var messages = new List<ChatMessage>(reset.Messages);
        var assistantAt = new List<int>();
        var observations = new List<IReadOnlyList<string>>();
        var termination = TerminationReason.MaxTurns;
        foreach (var turn in turns)
        {
            assistantAt.Add(messages.Count);
            messages.Add(turn);
            var calls = turn.ToolCalls?.Select(c => new ParsedToolCall(c, new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.DeepClone() }.ToJsonString(), null)).ToList() ?? [];
            var step = await env.StepAsync(new AssistantTurn(turn.Content, turn.Content, calls), cancellationToken).ConfigureAwait(false);
            observations.Add([.. step.Observations.Select(o => o.Content)]);
            messages.AddRange(step.Observations.Select(o => new ChatMessage("tool", o.Content)));
            if (step.UserMessage is { } reply)
            {
                messages.Add(new ChatMessage("user", reply));
            }
            if (step.Done)
            {
                termination = step.Termination ?? TerminationReason.Answered;
                break;
            }
        }
        if (termination == TerminationReason.EnvError)
        {
            return null;
        }
        var score = await env.ScoreAsync(termination, cancellationToken).ConfigureAwait(false);
        var steps = assistantAt.Count;
        var finalAnswer = messages[assistantAt[^1]].Content;
        var rewards = new double[steps];
        for (var i = 0; i < steps - 1; i++)
        {
            rewards[i] = RuleBasedStepAnnotator.StepScore(observations[i], finalAnswer, threshold);
        }
        rewards[^1] = score.Reward;
        var (prompts, responses) = Fragments(messages, tools, assistantAt);
        return new StepToolSample(prompts, responses, rewards, index);
    }

    /// <summary>
    /// Cuts the rendered chat at the assistant turns: prompt[i] is the text between the end of turn i − 1 (or the
    /// start) and turn i's generation prompt included; response[i] the turn's rendering through its end marker.
    /// </summary>
    public static (string[] Prompts, string[] Responses) Fragments(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject> tools, IReadOnlyList<int> assistantAt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(assistantAt);
        var prompts = new string[assistantAt.Count];
        var responses = new string[assistantAt.Count];
        var done = "";
        for (var i = 0; i < assistantAt.Count; i++)
        {
            var before = Qwen25ChatTemplate.Render([.. messages.Take(assistantAt[i])], tools, addGenerationPrompt: true);
            var through = Qwen25ChatTemplate.Render([.. messages.Take(assistantAt[i] + 1)], tools);
            if (!before.StartsWith(done, StringComparison.Ordinal) || !through.StartsWith(before, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("the chat template rewrites earlier turns; the conversation cannot be cut into StepTool fragments");
            }
            prompts[i] = before[done.Length..];
            responses[i] = through[before.Length..];
            done = through;
        }
        return (prompts, responses);
    }
}
