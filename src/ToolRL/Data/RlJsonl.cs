using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Data;

/// <summary>Writes rows as JSONL in the layout of rlla's <c>test.jsonl</c>: one compact JSON object per line.</summary>
public static class RlJsonl
{
    // Relaxed escaping keeps "<think>" and non-ASCII text readable instead of "\u003Cthink\u003E".
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes each row's <see cref="RlRow.Raw"/> object, one per line.</summary>
    public static void Write(string path, IEnumerable<RlRow> rows) => WriteObjects(path, rows.Select(r => r.Raw));

    /// <summary>Writes JSON objects one per line (UTF-8, no BOM, "\n" line ends).</summary>
    public static void WriteObjects(string path, IEnumerable<JsonObject> rows)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var row in rows)
        {
            writer.WriteLine(ToLine(row));
        }
    }

    /// <summary>The compact JSON line of one row.</summary>
    public static string ToLine(JsonObject row) => row.ToJsonString(Compact);
}
