using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Data.Parquet;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>
/// Files written by two independent writers (DuckDB and parquet-rs through parquet-wasm; tools/data/make_parquet_fixtures.mjs)
/// for every codec and both page versions, from generated rows with every physical type, decimals, dates,
/// timestamps, nulls, lists with null elements, list&lt;struct&gt;, nested structs and maps. ParquetSharp (Arrow)
/// decodes the pages; <see cref="ParquetReader"/> assembles the rows.
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
        "parquetrs-delta-v2", "parquetrs-lz4hadoop-v1",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryRowReadsBackExactly(string name)
    {
        var path = Path.Combine(Folder, name + ".parquet");
        using var reader = ParquetReader.Open(path);

        // parquet-rs honours 25-row groups; DuckDB groups rows by its own vector size.
        Assert.Equal(name.StartsWith("duckdb") ? 1 : 3, reader.RowGroupCount);
        Assert.Contains(name.StartsWith("duckdb") ? "DuckDB" : "parquet-rs", reader.CreatedBy);
        var rows = ParquetReader.ReadAllRows(path).ToList();
        Assert.Equal(Expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            JsonAssert.Equal(Expected[i], rows[i], $"{name} row {i}");
        }
    }

    [Theory]
    [InlineData("parquetrs-delta-v2", "amount")]
    [InlineData("duckdb-zstd-v2", "tags")]
    public void AColumnSelectionReadsOnlyThoseColumns(string name, string column)
    {
        var rows = ParquetReader.ReadAllRows(Path.Combine(Folder, name + ".parquet"), new ParquetReaderOptions { Columns = [column] }).ToList();

        Assert.Equal(Expected.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal([column], rows[i].Select(p => p.Key));
            JsonAssert.Equal(new JsonObject { [column] = Expected[i][column]?.DeepClone() }, rows[i], $"{name} row {i}");
        }
    }

    [Theory]
    [InlineData("duckdb-snappy-v1", "tags.list.element PLAIN_DICTIONARY SNAPPY", "DELTA")]
    [InlineData("duckdb-snappy-v1", "name PLAIN SNAPPY", "DELTA")]
    [InlineData("duckdb-zstd-v2", "id DELTA_BINARY_PACKED ZSTD", "DICTIONARY PLAIN")]
    [InlineData("duckdb-zstd-v2", "name DELTA_LENGTH_BYTE_ARRAY ZSTD", "SNAPPY")]
    [InlineData("duckdb-zstd-v2", "score BYTE_STREAM_SPLIT ZSTD", "SNAPPY")]
    [InlineData("parquetrs-gzip-v1", "tags.list.item RLE_DICTIONARY GZIP", "DELTA")]
    [InlineData("parquetrs-brotli-v2", "messages.list.item.role RLE_DICTIONARY BROTLI", "DELTA")]
    [InlineData("parquetrs-delta-v2", "id DELTA_BINARY_PACKED SNAPPY", "DICTIONARY")]
    [InlineData("parquetrs-delta-v2", "name DELTA_BYTE_ARRAY SNAPPY", "DICTIONARY")]
    [InlineData("parquetrs-delta-v2", "ratio BYTE_STREAM_SPLIT SNAPPY", "DICTIONARY")]
    [InlineData("parquetrs-lz4raw-v2", "flag RLE LZ4_RAW", "DELTA")]
    [InlineData("parquetrs-lz4hadoop-v1", "id PLAIN LZ4", "LZ4_RAW")]
    public void FixturesExerciseTheEncodingsAndCodecsTheyAreNamedFor(string name, string present, string absent)
    {
        using var reader = ParquetReader.Open(Path.Combine(Folder, name + ".parquet"));

        var kinds = reader.ChunkEncodings();

        Assert.Contains(present, kinds);
        Assert.DoesNotContain(kinds, k => k.Contains(absent));
    }

    [Fact]
    public void RowGroupsCanBeReadOnTheirOwn()
    {
        using var reader = ParquetReader.Open(Path.Combine(Folder, "parquetrs-zstd-v1.parquet"));

        var last = reader.ReadRowGroup(2);

        Assert.Equal(10, last.Count);
        JsonAssert.Equal(Expected[50], last[0]);
    }
}
