using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>The real rlla test split (pyarrow, snappy, dictionary, list&lt;struct&gt; and struct columns) against its JSONL twin.</summary>
public sealed class RllaParquetTests
{
    private static string ParquetPath => TestPaths.Reference("data", "rlla", "test.parquet");
    private static string JsonlPath => TestPaths.Reference("data", "rlla", "test.jsonl");

    [ReferenceFact]
    public void EveryRowEqualsTheJsonlTwinFieldForField()
    {
        var expected = File.ReadLines(JsonlPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var actual = ParquetReader.ReadAllRows(ParquetPath).ToList();

        Assert.Equal(80, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            JsonAssert.Equal(expected[i], actual[i], $"row {i}");
        }
    }

    [ReferenceFact]
    public void FooterDescribesTheFile()
    {
        using var reader = ParquetReader.Open(ParquetPath);

        Assert.Equal(80, reader.RowCount);
        Assert.Equal(["data_source", "prompt", "ability", "reward_model", "extra_info"], reader.ColumnNames);
        Assert.Contains("prompt.list.element.content: BYTE_ARRAY", reader.LeafColumns);
        Assert.StartsWith("parquet-cpp-arrow", reader.CreatedBy);
    }

    [ReferenceFact]
    public void ColumnSelectionReadsOnlyTheNamedColumns()
    {
        var rows = ParquetReader.ReadAllRows(ParquetPath, new ParquetReaderOptions { Columns = ["reward_model"] }).ToList();

        Assert.Equal(80, rows.Count);
        Assert.All(rows, r => Assert.Equal(["reward_model"], r.Select(p => p.Key)));
    }
}
