using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// The ToolRL reward's ground-truth check, for <see cref="DatasetLoadOptions.GroundTruthValidator"/> (the training
/// pipeline passes it, so bad rows are found at load rather than when scored). It accepts a ground truth only if
/// the ToolRL reward can award full marks against it:
/// <list type="number">
/// <item>the reward can parse it at all (<see cref="ToolRLGroundTruth.Validate"/>: the reference crashes otherwise);</item>
/// <item>it holds a <c>&lt;tool_call&gt;</c> or a <c>&lt;response&gt;</c> block;</item>
/// <item>it passes its own format rule (rlla.py <c>customize_format_reward_func</c>), so a perfect answer can score format 1;</item>
/// <item>every call is an object with a string <c>name</c> and an object <c>parameters</c> (rlla.py <c>compute_tool_call_reward</c>: otherwise every
/// answer, even a copy of the ground truth, gets the minimum correctness).</item>
/// </list>
/// </summary>
public static class ToolRLGroundTruthRules
{
    /// <summary>Returns null when <paramref name="groundTruth"/> is usable, else the reason.</summary>
    public static string? Validate(string groundTruth)
    {
        var parsed = ToolRLGroundTruth.Parse(groundTruth);
        if (parsed.Error is not null)
        {
            return parsed.Error;
        }
        if (!parsed.HasToolCall && !parsed.HasResponse)
        {
            return $"ground truth {Quote(groundTruth)} has neither <tool_call> nor <response>";
        }
        if (!FormatReward.IsWellFormed(PyText.Strip(groundTruth), parsed.HasToolCall, parsed.HasResponse))
        {
            return $"ground truth {Quote(groundTruth)} does not pass its own format rule (<think>…</think> then the tags, one newline apart, each tag once); even a copy of it would get format 0";
        }
        return parsed.HasToolCall ? CheckCallShapes(groundTruth) : null;
    }

    /// <summary>
    /// Each call line (already accepted by the reward's Python-exact parser) must be an object with a string
    /// <c>name</c> and an object <c>parameters</c>. Lines System.Text.Json cannot read (Python-only literals such as
    /// NaN) are left to the reward's parser, which accepted them.
    /// </summary>
    private static string? CheckCallShapes(string groundTruth)
    {
        var lines = groundTruth.Split("<tool_call>")[1].Split("</tool_call>")[0].Trim().Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            JsonNode? call;
            try
            {
                call = JsonNode.Parse(lines[i]);
            }
            catch (JsonException)
            {
                continue;
            }
            if (call is not JsonObject obj || obj["name"]?.GetValueKind() != JsonValueKind.String || obj["parameters"] is not JsonObject)
            {
                return $"ground-truth tool call {i + 1} ({RowSource.Truncate(lines[i], 80)}) needs a string \"name\" and a \"parameters\" object (use {{}} for none); otherwise every answer gets the minimum correctness";
            }
        }
        return null;
    }

    private static string Quote(string text) => "\"" + RowSource.Truncate(text.Replace("\n", "\\n"), 80) + "\"";
}
