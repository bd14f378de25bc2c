using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Rewards;

/// <summary>
/// One generated completion with everything a reward function may look at. New context is added as new
/// optional properties, so implementations written today keep compiling.
/// </summary>
public sealed record RewardSample
{
    private IReadOnlyList<ChatToolCall>? _toolCalls;

    /// <summary>The prompt messages the completion answers (system, user, earlier turns).</summary>
    public required IReadOnlyList<ChatMessage> Prompt { get; init; }

    /// <summary>
    /// The generated assistant text, decoded from the response tokens (it may still end with the template's
    /// end-of-turn marker; <see cref="ChatResponse.FromCompletion"/> cuts it as the reference does).
    /// </summary>
    public required string Completion { get; init; }

    /// <summary>
    /// The tool calls in the completion. Set by the caller if it parsed them; otherwise parsed on first use
    /// from <see cref="Completion"/> by <see cref="ToolCallParser.Parse"/> (lenient, never throws).
    /// </summary>
    public IReadOnlyList<ChatToolCall> ToolCalls
    {
        get => _toolCalls ??= ToolCallParser.Parse(Completion);
        init => _toolCalls = value;
    }

    /// <summary>The row's ground truth (<c>reward_model.ground_truth</c>); null when the row has none.</summary>
    public string? GroundTruth { get; init; }

    /// <summary>The row's other fields (e.g. <c>extra_info</c>), for rewards that need more context; null when none.</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>The training step (1, 2, … in training; 0 for the validation before training).</summary>
    public int Step { get; init; }
}
