using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ToolRL.Data;

/// <summary>
/// The built-in ground-truth check used when <see cref="DatasetLoadOptions.GroundTruthValidator"/> is null:
/// a ToolRL ground truth must pass its own format rule (reward-spec §2.2) and, when it holds a tool call,
/// every line of its first <c>&lt;tool_call&gt;</c> block must be a JSON object with a string <c>name</c> and an
/// object <c>parameters</c> (§2.3: the reference parses the GT outside its try block, so a bad GT crashes it).
/// </summary>
public static partial class GroundTruthRules
{
    /// <summary>Returns null when the reward rules can score against <paramref name="groundTruth"/>, else the reason.</summary>
    public static string? Validate(string groundTruth)
    {
        var hasCall = groundTruth.Contains("<tool_call>", StringComparison.Ordinal);
        var hasResponse = groundTruth.Contains("<response>", StringComparison.Ordinal);
        if (!hasCall && !hasResponse)
        {
            return $"ground truth {Quote(groundTruth)} has neither <tool_call> nor <response>";
        }
        var formatOk = (hasCall, hasResponse) switch
        {
            (false, true) => ResponseOnly().IsMatch(groundTruth) && Count(groundTruth, "<response>") == 1 && Count(groundTruth, "</response>") == 1,
            (true, false) => CallOnly().IsMatch(groundTruth) && Count(groundTruth, "<tool_call>") == 1 && Count(groundTruth, "</tool_call>") == 1,
            _ => CallAndResponse().IsMatch(groundTruth) && Count(groundTruth, "<tool_call>") == 1 && Count(groundTruth, "</tool_call>") == 1
                && Count(groundTruth, "<response>") == 1 && Count(groundTruth, "</response>") == 1,
        };
        if (!formatOk)
        {
            return $"ground truth {Quote(groundTruth)} does not pass its own format rule (<think>…</think> then the tags, one newline apart, each tag once)";
        }
        return hasCall ? ValidateCalls(groundTruth) : null;
    }

    private static string? ValidateCalls(string groundTruth)
    {
        var block = groundTruth.Split("<tool_call>")[1].Split("</tool_call>")[0].Trim();
        var lines = block.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            JsonNode? call;
            try
            {
                call = JsonNode.Parse(lines[i]);
            }
            catch (JsonException)
            {
                return $"ground-truth tool call line {i + 1} {Quote(lines[i])} is not one JSON object (one call per line)";
            }
            if (call is not JsonObject obj || obj["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
            {
                return $"ground-truth tool call line {i + 1} {Quote(lines[i])} needs a string \"name\"";
            }
            if (obj["parameters"] is not JsonObject)
            {
                return $"ground-truth tool call line {i + 1} {Quote(lines[i])} needs a \"parameters\" object (use {{}} for none)";
            }
        }
        return null;
    }

    private static int Count(string text, string tag)
    {
        var count = 0;
        for (var at = text.IndexOf(tag, StringComparison.Ordinal); at >= 0; at = text.IndexOf(tag, at + tag.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static string Quote(string text) => "\"" + RowSource.Truncate(text.Replace("\n", "\\n"), 80) + "\"";

    [GeneratedRegex(@"^<think>.*?</think>\n<response>.*?</response>$", RegexOptions.Singleline)]
    private static partial Regex ResponseOnly();

    [GeneratedRegex(@"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>$", RegexOptions.Singleline)]
    private static partial Regex CallOnly();

    [GeneratedRegex(@"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>\n<response>.*?</response>$", RegexOptions.Singleline)]
    private static partial Regex CallAndResponse();
}
