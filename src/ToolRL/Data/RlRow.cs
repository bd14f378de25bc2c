using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>
/// One reinforcement-learning row in the verl/ToolRL layout: a chat prompt, the reward model's ground truth,
/// the data source that picks the reward function, and free-form extra information.
/// </summary>
/// <param name="Prompt">The chat messages fed to the policy (verl's <c>prompt</c> column).</param>
/// <param name="GroundTruth"><c>reward_model.ground_truth</c>: for ToolRL the expected <c>&lt;think&gt;…</c> answer.</param>
/// <param name="DataSource"><c>data_source</c>, e.g. <c>rlla</c>.</param>
/// <param name="ExtraInfo"><c>extra_info</c>, or null when the row has none.</param>
/// <param name="Raw">The whole source row, so a reward function can read fields this record does not name.</param>
/// <param name="Index">The 0-based position of the row in its source file (used in error messages).</param>
public sealed record RlRow(
    IReadOnlyList<ChatMessage> Prompt,
    string GroundTruth,
    string DataSource,
    JsonObject? ExtraInfo,
    JsonObject Raw,
    int Index);
