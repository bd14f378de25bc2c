using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Data;

/// <summary>
/// Reads the rows of a dataset file as JSON objects, choosing the reader from the extension:
/// <c>.parquet</c> (streamed by row group), <c>.jsonl</c>/<c>.ndjson</c> (one object per line) or
/// <c>.json</c> (an array of objects, as <c>rlla_sft.json</c>).
/// </summary>
public static class RowSource
{
    /// <summary>The extensions <see cref="Read"/> understands.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".parquet", ".jsonl", ".ndjson", ".json"];

    /// <summary>Streams the rows of <paramref name="path"/>; errors name the file and the line or row.</summary>
    public static IEnumerable<JsonObject> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"dataset file '{path}' does not exist{KnownDatasets.WhereToGet(path)}");
        }
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".parquet" => ParquetReader.ReadAllRows(path),
            ".jsonl" or ".ndjson" => ReadJsonLines(path),
            ".json" => ReadJsonArray(path),
            var other => throw new DatasetException(
                $"dataset file '{path}' has extension '{other}'; use one of {string.Join(", ", Extensions)}"),
        };
    }

    private static IEnumerable<JsonObject> ReadJsonLines(string path)
    {
        foreach (var (lineNumber, line) in TextLines.Read(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new DatasetException($"{path}:{lineNumber}: not valid JSON ({e.Message}); each line must be one JSON object", e);
            }
            yield return node as JsonObject
                ?? throw new DatasetException($"{path}:{lineNumber}: expected a JSON object, found {Describe(node)}");
        }
    }

    private static IEnumerable<JsonObject> ReadJsonArray(string path)
    {
        JsonNode? root;
        try
        {
            using var stream = File.OpenRead(path);
            root = JsonNode.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (root is not JsonArray array)
        {
            throw new DatasetException($"{path}: expected a JSON array of row objects, found {Describe(root)}; use .jsonl for one object per line");
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject row)
            {
                throw new DatasetException($"{path}: element {i} is {Describe(array[i])}, expected a row object");
            }
            // Detach so callers own the row and it does not keep the whole document alive through its parent.
            array[i] = null;
            yield return row;
        }
    }

    internal static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => $"the {v.GetValueKind().ToString().ToLowerInvariant()} {Truncate(v.ToJsonString())}",
        _ => node.GetType().Name,
    };

    internal static string Truncate(string text, int max = 60) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}
