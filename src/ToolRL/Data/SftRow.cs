using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>
/// One supervised fine-tuning row: the whole conversation, ending with the assistant turn to learn.
/// </summary>
/// <param name="Messages">Prompt messages followed by the assistant response.</param>
/// <param name="Raw">The whole source row.</param>
/// <param name="Index">The 0-based position of the row in its source file.</param>
public sealed record SftRow(IReadOnlyList<ChatMessage> Messages, JsonObject Raw, int Index)
{
    /// <summary>The messages before the final assistant turn (what the model is conditioned on).</summary>
    public IReadOnlyList<ChatMessage> Prompt => Messages.Take(Messages.Count - 1).ToList();

    /// <summary>The final assistant message (the SFT target).</summary>
    public ChatMessage Response => Messages[^1];

    /// <summary>
    /// Turns an RL row into an SFT row whose target is the row's ground truth, the warm start ToolRL's SFT
    /// baselines use (the ground truth is already a complete <c>&lt;think&gt;…</c> answer).
    /// </summary>
    public static SftRow FromRlRow(RlRow row) =>
        new([.. row.Prompt, new ChatMessage(ChatRoles.Assistant, row.GroundTruth)], row.Raw, row.Index);
}
