using System.Text.Json.Nodes;
using Parquet;
using Parquet.Serialization;
using ToolRL.Data.Parquet;
using ToolRL.Torch.IO;

namespace ToolRL.Data;

/// <summary>
/// Writes JSON rows as a parquet file (through Parquet.Net, snappy pages) that verl, pyarrow, DuckDB and
/// <see cref="ParquetReader"/> read back. The schema is inferred from all rows (see docs/data.md): verl rows
/// get verl's layout — <c>prompt</c> a list of {role, content} structs, <c>reward_model</c> and
/// <c>extra_info</c> structs — so data moves between ToolRL.NET and verl in both directions.
/// </summary>
public static class ParquetRowWriter
{
    /// <summary>Rows per row group (verl and pyarrow read any size; smaller groups stream with less memory).</summary>
    public const int RowGroupSize = 10_000;

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/> (replacing it only once the whole file is
    /// written) and returns the row count.
    /// </summary>
    /// <exception cref="DatasetException">A field holds values of two kinds (e.g. text in one row, a number in another).</exception>
    public static int Write(string path, IEnumerable<JsonObject> rows)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(rows);
        var all = rows.ToList();
        if (all.Count == 0)
        {
            throw new DatasetException($"no rows to write to '{path}'; parquet needs at least one row to know its columns");
        }
        var schema = new RowSchema();
        foreach (var row in all)
        {
            schema.Add(row);
        }
        var parquetSchema = schema.ToParquetSchema();
        AtomicFile.Write(path, stream =>
        {
            var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, RowGroupSize = RowGroupSize };
            var untyped = all.Select(schema.ToUntyped).ToList();
            ParquetSerializer.SerializeUntypedAsync(untyped, parquetSchema, stream, options).GetAwaiter().GetResult();
        });
        return all.Count;
    }
}
