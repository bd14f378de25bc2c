using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Training.Validation;

/// <summary>Writes every held-out generation of one validation to <c>OUTPUT/validation/NAME.jsonl</c>, one row per line.</summary>
internal static class ValidationLog
{
    /// <summary>The folder under a run's output folder.</summary>
    public const string FolderName = "validation";

    /// <summary>The file name of the validation at RL step <paramref name="step"/> (0 = before RL).</summary>
    public static string StepFileName(int step) => $"step_{step}.jsonl";

    // Non-ASCII text (requests, responses) is kept readable instead of \u-escaped.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="generations"/> atomically (temp + rename) and returns the file's path.</summary>
    public static string Write(string outputDir, string fileName, IReadOnlyList<ValidationGeneration> generations)
    {
        var path = Path.Combine(outputDir, FolderName, fileName);
        var text = new StringBuilder();
        foreach (var g in generations)
        {
            var row = new JsonObject
            {
                ["index"] = g.Index,
                ["request"] = g.Request,
                ["response"] = g.Response,
                ["ground_truth"] = g.GroundTruth,
                ["reward"] = Score(g.Reward),
            };
            foreach (var (name, value) in g.Components)
            {
                row[name] = Score(value);
            }
            if (g.ExactMatch is { } exact)
            {
                row["exact_match"] = exact;
            }
            text.Append(row.ToJsonString(JsonOptions)).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
        return path;
    }

    // JSON has no NaN or infinity; a user's reward function may still return one. It is written as the string
    // "NaN", "Infinity" or "-Infinity", as metrics.jsonl writes non-finite metrics, so one reader handles both files.
    private static JsonNode Score(double value) => double.IsFinite(value)
        ? JsonValue.Create(value)
        : JsonValue.Create(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
}
