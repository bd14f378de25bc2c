using Microsoft.Extensions.AI;
using ToolRL.Tokenization;
using ChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Agents;

/// <summary>
/// The world one trajectory acts in (docs/agents.md): reset gives the opening conversation and the tools; each
/// assistant turn is stepped (its tool calls run, or its answer reaches the user) and gives observations; at the
/// end the episode is scored. One instance per trajectory, never shared, so its state (database, user script,
/// counters) is isolated and environments of one batch run concurrently.
/// </summary>
public interface IAgentEnvironment : IAsyncDisposable
{
    /// <summary>Sets the task up; returns the opening messages (system, user) and the tools offered to the model.</summary>
    ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies one assistant turn: its tool calls are executed in order and answered with one observation each (in
    /// call order, as the chat template needs); a turn without calls is an answer to the user, who replies or ends
    /// the episode. Tool failures are observations, never exceptions.
    /// </summary>
    ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default);

    /// <summary>Scores the finished episode (tau2's reward_info analogue); <paramref name="termination"/> says how it ended.</summary>
    ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IAgentEnvironment.ResetAsync"/> returns.</summary>
/// <param name="Messages">The opening conversation (system prompt, first user message).</param>
/// <param name="Tools">The tools offered to the model; their schemas go into the system prompt.</param>
public sealed record EnvironmentReset(IReadOnlyList<ChatMessage> Messages, IReadOnlyList<AIFunction> Tools);

/// <summary>One assistant turn as the environment sees it.</summary>
/// <param name="Text">The generated text of the turn (special tokens removed).</param>
/// <param name="Content">The text outside the tool-call blocks (what a chat message's content would hold).</param>
/// <param name="Calls">The tool-call blocks in order, each parsed or with its parse error.</param>
public sealed record AssistantTurn(string Text, string Content, IReadOnlyList<ParsedToolCall> Calls)
{
    /// <summary>True when the turn holds no tool-call block: it answers the user.</summary>
    public bool IsAnswer => Calls.Count == 0;
}

/// <summary>One <c>&lt;tool_call&gt;</c> block of a turn.</summary>
/// <param name="Call">The call, or null when the block could not be read.</param>
/// <param name="Raw">The block's text between the tags.</param>
/// <param name="Error">Why the block could not be read (null when <paramref name="Call"/> is set).</param>
public sealed record ParsedToolCall(ChatToolCall? Call, string Raw, string? Error);

/// <summary>What <see cref="IAgentEnvironment.StepAsync"/> returns.</summary>
/// <param name="Observations">One per tool call of the turn, in call order (empty for an answer).</param>
/// <param name="UserMessage">The user's reply to an answer, or null.</param>
/// <param name="Done">True when the episode is over.</param>
/// <param name="Termination">How it ended, when <paramref name="Done"/>.</param>
/// <param name="StepReward">Optional per-turn reward (placed on the turn's last generated token).</param>
public sealed record EnvironmentStep(IReadOnlyList<ToolObservation> Observations, string? UserMessage, bool Done,
    TerminationReason? Termination = null, double? StepReward = null)
{
    /// <summary>The step that ends the episode with <paramref name="reason"/>.</summary>
    public static EnvironmentStep End(TerminationReason reason) => new([], null, true, reason);
}

/// <summary>The result of one tool call, as the model will read it.</summary>
/// <param name="Name">The tool called (as written by the model).</param>
/// <param name="Content">The observation text placed in the <c>&lt;tool_response&gt;</c> block.</param>
/// <param name="IsError">True for errors: unknown tool, unreadable call, bad arguments, exception, timeout, non-JSON result.</param>
/// <param name="Elapsed">Time spent in the tool.</param>
public sealed record ToolObservation(string Name, string Content, bool IsError, TimeSpan Elapsed);

/// <summary>The score of a finished episode.</summary>
/// <param name="Reward">The trajectory reward (tau2: product of the binary components; 0 after a premature end).</param>
/// <param name="Success">True when the task was solved (tau2: reward within 1e-6 of 1).</param>
/// <param name="Components">Each scored component (e.g. <c>db</c>, <c>communicate</c>), for metrics and partial credit.</param>
public sealed record EpisodeScore(double Reward, bool Success, IReadOnlyDictionary<string, double> Components);

/// <summary>How an episode ended (tau2-bench's termination reasons, <c>orchestrator/orchestrator.py</c>).</summary>
public enum TerminationReason
{
    /// <summary>The assistant answered and the user had nothing more to say.</summary>
    Answered,

    /// <summary>The assistant ended the conversation (a stop tool or marker).</summary>
    AgentStop,

    /// <summary>The user ended the conversation.</summary>
    UserStop,

    /// <summary>The assistant-turn limit was reached.</summary>
    MaxTurns,

    /// <summary>The trajectory's token budget ran out (truncated).</summary>
    MaxTokens,

    /// <summary>Too many tool errors over the episode.</summary>
    TooManyErrors,

    /// <summary>The environment itself failed (infrastructure): excluded from statistics, never scored as a failure of the model.</summary>
    EnvError,
}
