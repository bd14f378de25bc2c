using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;

namespace ToolRL.Rewards;

/// <summary>
/// One reward case as a JSON line (what <c>toolrl reward</c> reads): <c>ground_truth</c>, <c>response</c>, optional
/// <c>flags</c> (switch name → 0/1) and optional <c>step</c> (default 0). Scoring adds
/// <c>"scores": {"format", "correctness", "length", "total"}</c> and keeps every other field.
/// </summary>
public static class RewardCase
{
    /// <summary>The scored line, or null and why the line cannot be scored (never throws for bad input).</summary>
    public static (string? Scored, string? Error) ScoreJsonLine(string line)
    {
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("the line is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return (null, $"not a JSON object ({e.Message}); each line must be {{\"ground_truth\": ..., \"response\": ...}}.");
        }
        try
        {
            var groundTruth = ReadString(row, "ground_truth");
            var response = ReadString(row, "response");
            var options = row["flags"] switch
            {
                null => ToolRLRewardOptions.Default,
                JsonObject flags => ToolRLRewardOptions.FromJson(flags),
                var other => throw new ArgumentException($"\"flags\" is {other.ToJsonString()}; use an object like {{\"CORRECTMAX1\": 1}}."),
            };
            var step = row["step"] switch
            {
                null => 0,
                JsonValue v when v.TryGetValue<int>(out var s) => s,
                var other => throw new ArgumentException($"\"step\" is {other.ToJsonString()}; use an integer."),
            };
            var score = ToolRLReward.Score(response, groundTruth, options, step);
            row["scores"] = new JsonObject
            {
                ["format"] = score.Format,
                ["correctness"] = score.Correctness,
                ["length"] = score.Length,
                ["total"] = score.Total,
            };
            return (JsonLines.ToLine(row), null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            return (null, e.Message);
        }
    }

    private static string ReadString(JsonObject row, string key) =>
        row[key] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new ArgumentException($"\"{key}\" is {row[key]?.ToJsonString() ?? "missing"}; it must be a string.");
}
