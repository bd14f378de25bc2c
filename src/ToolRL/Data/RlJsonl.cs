using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;

namespace ToolRL.Data;

/// <summary>Writes rows as JSONL in the layout of rlla's <c>test.jsonl</c>: one compact JSON object per line.</summary>
public static class RlJsonl
{
    // Relaxed escaping keeps "<think>" and non-ASCII text readable instead of "\u003Cthink\u003E".
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes each row's <see cref="RlRow.Raw"/> object, one per line.</summary>
    public static void Write(string path, IEnumerable<RlRow> rows) => WriteObjects(path, rows.Select(r => r.Raw));

    /// <summary>
    /// Writes JSON objects one per line (UTF-8, no BOM, "\n" line ends) through the atomic writer: the rows go to a
    /// temporary sibling that replaces <paramref name="path"/> only when every row is written, so the rows may be
    /// streamed from <paramref name="path"/> itself and a failure leaves the old file as it was.
    /// </summary>
    public static void WriteObjects(string path, IEnumerable<JsonObject> rows) =>
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
