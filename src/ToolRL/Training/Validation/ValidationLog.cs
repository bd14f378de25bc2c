using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Training.Validation;

/// <summary>Writes every held-out generation of one validation to <c>OUTPUT/validation/NAME.jsonl</c>, one row per line.</summary>
public static class ValidationLog
{
    /// <summary>The folder under a run's output folder.</summary>
    public const string FolderName = "validation";

    /// <summary>The file name of the validation at RL step <paramref name="step"/> (0 = before RL).</summary>
    public static string StepFileName(int step) => $"step_{step}.jsonl";

    /// <summary>Writes <paramref name="generations"/> atomically (temp + rename) and returns the file's path.</summary>
    public static string Write(string outputDir, string fileName, IReadOnlyList<ValidationGeneration> generations)
    {
        var path = Path.Combine(outputDir, FolderName, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var g in generations)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartObject();
                json.WriteNumber("index", g.Index);
                json.WriteString("request", g.Request);
                json.WriteString("response", g.Response);
                json.WriteString("ground_truth", g.GroundTruth);
                WriteScore(json, "reward", g.Reward);
                foreach (var (name, value) in g.Components)
                {
                    WriteScore(json, name, value);
                }
                if (g.ExactMatch is { } exact)
                {
                    json.WriteBoolean("exact_match", exact);
                }
                json.WriteEndObject();
            }
            text.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
        return path;
    }

    // JSON has no NaN or infinity; a user's reward function may still return one, so it is written as null.
    private static void WriteScore(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
