using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Data.Parquet;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>
/// Files written by two independent writers (DuckDB and parquet-rs through parquet-wasm; tools/data/make_parquet_fixtures.mjs)
/// for every codec and both page versions, from generated rows with every physical type, decimals, dates,
/// timestamps, nulls, lists with null elements, list&lt;struct&gt;, nested structs and maps.
/// </summary>
public sealed class ParquetFixtureTests
{
    private static readonly string Folder = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "data", "parquet");

    private static readonly List<JsonObject> Expected =
        File.ReadLines(Path.Combine(Folder, "rows.expected.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    public static TheoryData<string> Files() =>
    [
        "duckdb-uncompressed-v1", "duckdb-uncompressed-v2", "duckdb-snappy-v1", "duckdb-snappy-v2",
        "duckdb-gzip-v1", "duckdb-gzip-v2", "duckdb-zstd-v1", "duckdb-zstd-v2",
        "parquetrs-uncompressed-v1", "parquetrs-uncompressed-v2", "parquetrs-snappy-v1", "parquetrs-snappy-v2",
        "parquetrs-gzip-v1", "parquetrs-gzip-v2", "parquetrs-zstd-v1", "parquetrs-zstd-v2",
        "parquetrs-brotli-v1", "parquetrs-brotli-v2", "parquetrs-lz4raw-v1", "parquetrs-lz4raw-v2",
        "parquetrs-delta-v2",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryRowReadsBackExactly(string name)
    {
        using var reader = ParquetReader.Open(Path.Combine(Folder, name + ".parquet"));
        var rows = reader.ReadRows().ToList();

        // parquet-rs honours 25-row groups; DuckDB groups rows by its own vector size.
        Assert.Equal(name.StartsWith("duckdb") ? 1 : 3, reader.RowGroupCount);
        Assert.Equal(Expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            JsonAssert.Equal(Expected[i], rows[i], $"{name} row {i}");
        }
        Assert.Contains(name.StartsWith("duckdb") ? "DuckDB" : "parquet-rs", reader.CreatedBy);
    }

    [Theory]
    [InlineData("duckdb-snappy-v1", "tags.list.element DataPage PlainDictionary Snappy", "DataPageV2")]
    [InlineData("duckdb-snappy-v1", "name DataPage Plain Snappy", "Delta")]
    [InlineData("duckdb-zstd-v2", "id DataPage DeltaBinaryPacked Zstd", "DataPageV2")]
    [InlineData("duckdb-zstd-v2", "name DataPage DeltaLengthByteArray Zstd", "DataPageV2")]
    [InlineData("duckdb-zstd-v2", "score DataPage ByteStreamSplit Zstd", "DataPageV2")]
    [InlineData("parquetrs-gzip-v1", "tags.list.item DataPage RleDictionary Gzip", "DataPageV2")]
    [InlineData("parquetrs-brotli-v2", "messages.list.item.role DataPageV2 RleDictionary Brotli", "DataPage ")]
    [InlineData("parquetrs-delta-v2", "id DataPageV2 DeltaBinaryPacked Snappy", "Dictionary")]
    [InlineData("parquetrs-delta-v2", "name DataPageV2 DeltaByteArray Snappy", "DataPage ")]
    [InlineData("parquetrs-delta-v2", "ratio DataPageV2 ByteStreamSplit Snappy", "DataPage ")]
    public void FixturesExerciseThePageKindsAndEncodingsTheyAreNamedFor(string name, string present, string absent)
    {
        using var reader = ParquetReader.Open(Path.Combine(Folder, name + ".parquet"));

        var kinds = reader.PageKinds();

        Assert.Contains(present, kinds);
        Assert.DoesNotContain(kinds, k => k.Contains(absent));
    }

    [Fact]
    public void TheDeprecatedHadoopLz4CodecIsRefusedByName()
    {
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.ReadAllRows(Path.Combine(Folder, "parquetrs-lz4hadoop-v1.parquet")).ToList());

        Assert.Contains("unsupported codec LZ4 in column 'id'", e.Message);
    }

    [Fact]
    public void RowGroupsCanBeReadOnTheirOwn()
    {
        using var reader = ParquetReader.Open(Path.Combine(Folder, "parquetrs-zstd-v2.parquet"));

        var last = reader.ReadRowGroup(2);

        Assert.Equal(10, last.Count);
        JsonAssert.Equal(Expected[50], last[0]);
    }
}
