using System.Text.Json.Nodes;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Validation;

/// <summary>Writes every held-out generation of one validation to <c>OUTPUT/validation/NAME.jsonl</c>, one row per line.</summary>
internal static class ValidationLog
{
    /// <summary>The folder under a run's output folder.</summary>
    public const string FolderName = "validation";

    /// <summary>The file name of the validation at RL step <paramref name="step"/> (0 = before RL).</summary>
    public static string StepFileName(int step) => $"step_{step}.jsonl";

    /// <summary>Writes <paramref name="generations"/> atomically (temp + rename) and returns the file's path.</summary>
    public static string Write(string outputDir, string fileName, IReadOnlyList<ValidationGeneration> generations)
    {
        var path = Path.Combine(outputDir, FolderName, fileName);
        JsonLines.Write(path, generations.Select(Row));
        return path;
    }

    private static JsonObject Row(ValidationGeneration g)
    {
        var row = new JsonObject
        {
            ["index"] = g.Index,
            ["request"] = g.Request,
            ["response"] = g.Response,
            ["ground_truth"] = g.GroundTruth,
            ["reward"] = g.Reward,
        };
        foreach (var (name, value) in g.Components)
        {
            row[name] = value;
        }
        if (g.ExactMatch is { } exact)
        {
            row["exact_match"] = exact;
        }
        return row;
    }
}
