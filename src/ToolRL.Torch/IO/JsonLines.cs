using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ToolRL.Torch.IO;

/// <summary>
/// The one JSON Lines writer: one compact JSON object per line (relaxed escaping, UTF-8 without BOM, "\n" line ends),
/// written atomically; non-finite numbers as the strings "NaN", "Infinity", "-Infinity". Data rows, metrics, validation generations, agent trajectories and BFCL rows all go through it.
/// </summary>
public static class JsonLines
{
    // Relaxed escaping keeps "<think>" and non-ASCII text readable instead of "\u003Cthink\u003E". JSON has no NaN or
    // infinity, yet a metric or a user's reward may be one: they are written as the strings "NaN", "Infinity" and
    // "-Infinity", so one reader handles metrics, validation and trajectory files alike.
    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Writes JSON objects one per line (UTF-8, no BOM, "\n" line ends) through the atomic writer: the rows go to a
    /// temporary sibling that replaces <paramref name="path"/> only when every row is written, so the rows may be
    /// streamed from <paramref name="path"/> itself and a failure leaves the old file as it was.
    /// </summary>
    public static void Write(string path, IEnumerable<JsonObject> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var row in rows)
            {
                writer.WriteLine(ToLine(row));
            }
        });

    /// <summary>The compact JSON line of one row.</summary>
    public static string ToLine(JsonObject row) => row.ToJsonString(Compact);
}
