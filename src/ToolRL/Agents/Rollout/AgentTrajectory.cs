using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// One multi-turn episode as training consumes it (docs/agents.md). Token in, token out: <see cref="ResponseIds"/>
/// are the sampled ids themselves and the template's ids of inserted turns, never a re-encoding of generated text.
/// <see cref="LossMask"/> is 1 exactly on generated tokens (the model's own <c>&lt;|im_end|&gt;</c> included) and 0
/// on inserted ones; <see cref="LogProbs"/> are the sampling log-probs there and 0 elsewhere.
/// </summary>
public sealed class AgentTrajectory
{
    /// <summary>The task played.</summary>
    public required AgentTask Task { get; init; }

    /// <summary>The group (task position in the batch): trajectories of one task share it, for GRPO.</summary>
    public required int GroupIndex { get; init; }

    /// <summary>Which of the group's samples this is.</summary>
    public required int SampleIndex { get; init; }

    /// <summary>The rendered opening conversation with the generation prompt.</summary>
    public required int[] PromptIds { get; init; }

    /// <summary>Every token after the prompt: generated turns and inserted turns, in order.</summary>
    public required int[] ResponseIds { get; init; }

    /// <summary>True on generated tokens, false on inserted ones; as long as <see cref="ResponseIds"/>.</summary>
    public required bool[] LossMask { get; init; }

    /// <summary>Sampling log-probs of generated tokens, 0 on inserted ones.</summary>
    public required float[] LogProbs { get; init; }

    /// <summary>The response split by producer, in order.</summary>
    public required IReadOnlyList<TrajectorySegment> Segments { get; init; }

    /// <summary>The conversation as chat messages (opening, each assistant turn with its parsed calls, tool results, user turns).</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Assistant turns generated.</summary>
    public required int NumTurns { get; init; }

    /// <summary>Tool calls made (blocks, including unreadable ones).</summary>
    public required int ToolCalls { get; init; }

    /// <summary>Tool calls that gave an error observation.</summary>
    public required int ToolErrors { get; init; }

    /// <summary>How the episode ended.</summary>
    public required TerminationReason Termination { get; init; }

    /// <summary>The environment's score.</summary>
    public required EpisodeScore Score { get; init; }

    /// <summary>Per-turn rewards the environment gave, with the response index of the turn's last generated token.</summary>
    public required IReadOnlyList<(int TokenIndex, double Reward)> StepRewards { get; init; }

    /// <summary>Generated tokens (mask-1 count).</summary>
    public int PolicyTokens => LossMask.Count(m => m);
}

/// <summary>A run of response tokens with one producer.</summary>
/// <param name="Kind">Who produced them.</param>
/// <param name="Start">First response index.</param>
/// <param name="Length">Number of tokens.</param>
/// <param name="Turn">The assistant turn (1-based) this segment belongs to or follows.</param>
public sealed record TrajectorySegment(SegmentKind Kind, int Start, int Length, int Turn);

/// <summary>Who produced a segment of a trajectory.</summary>
public enum SegmentKind
{
    /// <summary>Sampled by the policy (loss mask 1).</summary>
    Policy,

    /// <summary>Tool results inserted by the environment (mask 0).</summary>
    Tool,

    /// <summary>A user turn inserted by the environment (mask 0).</summary>
    User,
}
