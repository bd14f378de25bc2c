using System.Diagnostics;
using System.Text.Json.Nodes;
using ToolRL.Cli;
using ToolRL.Data;
using ToolRL.Testing;
using ToolRL.Torch.IO;

namespace ToolRL.Tests.Data;

/// <summary>
/// Parquet written by <see cref="ParquetRowWriter"/> (verl's layout) reads back identically through
/// <see cref="ParquetReader"/> and through DuckDB (an independent C++ reader, tools/data/duckdb-read).
/// </summary>
public sealed class ParquetWriteTests : IDisposable
{
    private static readonly string DuckDbFolder = TestPaths.InRepo("tools", "data", "duckdb-read");
    private readonly TempDirectory _dir = new("parquet-write");

    public ParquetWriteTests() => Directory.CreateDirectory(_dir.Path);

    public void Dispose() => _dir.Dispose();

    /// <summary>verl rows with the edges a writer gets wrong: nulls, empty strings and lists, non-BMP text, 64-bit ints, fractions.</summary>
    private static List<JsonObject> EdgeRows() =>
    [
        Row("rlla", [("system", "Tools: web_search"), ("user", "Find 東京 weather 🙂")], "<think> t </think>\n<tool_call>\n{\"name\": \"web_search\"}\n</tool_call>", "rule",
            index: 0, weight: 0.5, tags: ["a", "b"], flag: true),
        Row("rlla", [], "", null, index: long.MaxValue, weight: -2, tags: [], flag: false),
        Row("synthetic", [("user", ""), ("assistant", "line\nbreak \"quoted\" \\ back")], "<response> ok </response>", "rule",
            index: -7, weight: 1e-300, tags: [null, "x"], flag: null),
    ];

    private static JsonObject Row(string source, (string Role, string Content)[] prompt, string truth, string? style, long index, double weight, string?[] tags, bool? flag) => new()
    {
        ["data_source"] = source,
        ["prompt"] = new JsonArray(prompt.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
        ["ability"] = "tool_use",
        ["reward_model"] = new JsonObject { ["ground_truth"] = truth, ["style"] = style },
        ["extra_info"] = new JsonObject
        {
            ["index"] = index,
            ["weight"] = weight,
            ["tags"] = new JsonArray(tags.Select(t => (JsonNode?)t).ToArray()),
            ["flag"] = flag,
        },
    };

    [Fact]
    public void EdgeRowsReadBackIdenticallyThroughOurReader()
    {
        var path = Path.Combine(_dir.Path, "edge.parquet");
        var rows = EdgeRows();

        Assert.Equal(3, ParquetRowWriter.Write(path, rows));

        var back = ParquetReader.ReadAllRows(path).ToList();
        Assert.Equal(rows.Count, back.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            JsonAssert.Equal(rows[i], back[i], $"row {i}");
        }
        using var reader = ParquetReader.Open(path);
        Assert.Equal(["data_source", "prompt", "ability", "reward_model", "extra_info"], reader.ColumnNames);
        Assert.Contains("prompt.list.element.role: BYTE_ARRAY", reader.LeafColumns);
        Assert.Contains("extra_info.index: INT64", reader.LeafColumns);
        Assert.Contains("extra_info.weight: DOUBLE", reader.LeafColumns);
        Assert.Contains("extra_info.flag: BOOLEAN", reader.LeafColumns);
    }

    [Fact]
    public void SyntheticTaskRowsRoundTripAndStillLoadAsAnRlDataset()
    {
        var rows = SyntheticToolTask.Generate(120, seed: 3, SyntheticTaskOptions.Tiny);
        var path = Path.Combine(_dir.Path, "synthetic.parquet");

        ParquetRowWriter.Write(path, rows.Select(r => r.Raw));

        var back = ParquetReader.ReadAllRows(path).ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            JsonAssert.Equal(rows[i].Raw, back[i], $"row {i}");
        }
        var dataset = RlDataset.Load(path);
        Assert.Equal(rows.Count, dataset.Count);
        Assert.Equal(rows.Select(r => r.GroundTruth), dataset.Rows.Select(r => r.GroundTruth));
    }

    [Fact]
    public void DuckDbReadsWhatWeWriteWithVerlsSchemaAndTheSameValues()
    {
        var path = Path.Combine(_dir.Path, "edge.parquet");
        var rows = EdgeRows();
        ParquetRowWriter.Write(path, rows);

        var duck = ReadWithDuckDb(path);

        Assert.Equal(
            [
                "data_source VARCHAR",
                "prompt STRUCT(\"role\" VARCHAR, \"content\" VARCHAR)[]",
                "ability VARCHAR",
                "reward_model STRUCT(ground_truth VARCHAR, style VARCHAR)",
                "extra_info STRUCT(\"index\" BIGINT, weight DOUBLE, tags VARCHAR[], flag BOOLEAN)",
            ],
            duck["schema"]!.AsArray().Select(c => $"{c![0]} {c[1]}"));
        var duckRows = duck["rows"]!.AsArray();
        Assert.Equal(rows.Count, duckRows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            // DuckDB's JSON carries BIGINT as a string (JavaScript numbers lose 64-bit precision).
            var expected = rows[i].DeepClone().AsObject();
            expected["extra_info"]!["index"] = expected["extra_info"]!["index"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);
            JsonAssert.Equal(expected, duckRows[i], $"duckdb row {i}");
        }
    }

    [Fact]
    public void ConvertWritesParquetThatConvertsBackToTheSameJsonl()
    {
        var jsonl = Path.Combine(_dir.Path, "train.jsonl");
        JsonLines.Write(jsonl, SyntheticToolTask.Generate(40, seed: 9, SyntheticTaskOptions.Tiny).Select(r => r.Raw));
        var parquet = Path.Combine(_dir.Path, "train.parquet");
        var back = Path.Combine(_dir.Path, "back.jsonl");

        var (toParquet, stdout) = Run("data", "convert", "--input", jsonl, "--output", parquet);
        var (toJsonl, _) = Run("data", "convert", "--input", parquet, "--output", back);

        Assert.Equal(0, toParquet);
        Assert.Contains($"wrote 40 rows to {parquet}", stdout);
        Assert.Equal(0, toJsonl);
        Assert.Equal(File.ReadAllBytes(jsonl), File.ReadAllBytes(back));
    }

    [Fact]
    public void AFieldHoldingTwoKindsIsRefusedByNameAndNothingIsWritten()
    {
        var path = Path.Combine(_dir.Path, "mixed.parquet");
        var rows = EdgeRows();
        rows[2]["extra_info"]!["index"] = "seven";

        var e = Assert.Throws<DatasetException>(() => ParquetRowWriter.Write(path, rows));

        Assert.Contains("field 'extra_info.index' holds both integer and string values", e.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    private static JsonObject ReadWithDuckDb(string path)
    {
        Assert.True(Directory.Exists(Path.Combine(DuckDbFolder, "node_modules")),
            $"DuckDB for node is not installed: run eng/setup.sh (or `npm ci` in {DuckDbFolder})");
        var start = new ProcessStartInfo("node", [Path.Combine(DuckDbFolder, "read_parquet.mjs"), path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"node read_parquet.mjs failed ({process.ExitCode}): {stderr.Result}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    private static (int Code, string Stdout) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = Program.Run(args, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        return (code, stdout.ToString());
    }
}
