using System.Text.Json.Nodes;
using ToolRL.Torch.IO;

namespace ToolRL.Torch.Tests;

/// <summary>JsonLines: the one JSONL writer of metrics, validation, trajectories and data rows.</summary>
public sealed class JsonLinesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WritesCompactReadableLinesWithNonFiniteNumbersAsStrings()
    {
        var path = Path.Combine(_dir, "sub", "rows.jsonl");
        JsonLines.Write(path,
        [
            new JsonObject { ["text"] = "<think>café</think>", ["x"] = 1.5 },
            new JsonObject { ["nan"] = double.NaN, ["up"] = double.PositiveInfinity, ["down"] = double.NegativeInfinity },
        ]);
        // Byte for byte: UTF-8 without BOM, "\n" after every line, no \u escapes, the strings Python's json reads back.
        var expected = "{\"text\":\"<think>café</think>\",\"x\":1.5}\n{\"nan\":\"NaN\",\"up\":\"Infinity\",\"down\":\"-Infinity\"}\n";
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(expected), File.ReadAllBytes(path));
    }

    [Fact]
    public void ARowThatFailsToEnumerateKeepsTheOldFile()
    {
        var path = Path.Combine(_dir, "rows.jsonl");
        JsonLines.Write(path, [new JsonObject { ["old"] = true }]);
        Assert.Throws<InvalidOperationException>(() => JsonLines.Write(path, Rows()));
        Assert.Equal("{\"old\":true}\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));

        static IEnumerable<JsonObject> Rows()
        {
            yield return new JsonObject { ["new"] = 1 };
            throw new InvalidOperationException("the source failed midway");
        }
    }
}
