using System.Buffers.Binary;
using System.Text.Json.Nodes;
using ToolRL.Data.Parquet;

namespace ToolRL.Data;

/// <summary>
/// Reads Apache Parquet files written by pyarrow, DuckDB, Spark/parquet-mr, parquet-rs and others: Thrift
/// compact metadata; data pages v1 and v2; PLAIN, dictionary, RLE/bit-packed, DELTA_BINARY_PACKED,
/// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT encodings; UNCOMPRESSED, SNAPPY, GZIP,
/// ZSTD, BROTLI and LZ4_RAW pages; nested list/struct/map columns and nulls. Rows come out as
/// <see cref="JsonObject"/>s, one row group at a time. Corrupt or truncated files raise
/// <see cref="ParquetFormatException"/> naming the file and column.
/// </summary>
public sealed class ParquetReader : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly RandomAccessFile _file;
    private readonly FileMeta _meta;
    private readonly SchemaNode _root;
    private readonly List<SchemaNode> _leaves;
    private readonly ParquetReaderOptions _options;
    private readonly List<int> _fields;

    private ParquetReader(RandomAccessFile file, ParquetReaderOptions options)
    {
        _file = file;
        _options = options;
        _meta = ReadFooter(file, options);
        (_root, _leaves) = SchemaTree.Build(_meta.Schema, file.Name);
        _fields = SelectFields(options.Columns);
        CheckRowGroups();
    }

    /// <summary>Opens <paramref name="path"/> and reads its footer (the rows are read on demand).</summary>
    /// <exception cref="ParquetFormatException">The file is not parquet, is truncated or its footer is corrupt.</exception>
    public static ParquetReader Open(string path, ParquetReaderOptions? options = null)
    {
        var file = new RandomAccessFile(path);
        try
        {
            return new ParquetReader(file, options ?? ParquetReaderOptions.Default);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Streams every row of <paramref name="path"/>, one row group in memory at a time.</summary>
    public static IEnumerable<JsonObject> ReadAllRows(string path, ParquetReaderOptions? options = null)
    {
        using var reader = Open(path, options);
        foreach (var row in reader.ReadRows())
        {
            yield return row;
        }
    }

    /// <summary>Total rows, from the footer.</summary>
    public long RowCount => _meta.NumRows;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>The writer recorded in the footer (e.g. "parquet-cpp-arrow version 18.0.0"), if any.</summary>
    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>The top-level column names, in schema order.</summary>
    public IReadOnlyList<string> ColumnNames => _root.Children.Select(c => c.Name).ToList();

    /// <summary>The leaf column paths (e.g. <c>prompt.list.element.content</c>) with their physical types.</summary>
    public IReadOnlyList<string> LeafColumns => _leaves.Select(l => $"{l.Path}: {l.Element.Type}").ToList();

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public long RowGroupRowCount(int index) => _meta.RowGroups[index].NumRows;

    /// <summary>Decodes row group <paramref name="index"/> into rows.</summary>
    public IReadOnlyList<JsonObject> ReadRowGroup(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        var group = _meta.RowGroups[index];
        try
        {
            var columns = new List<(SchemaNode, ColumnData)>();
            foreach (var leaf in _leaves)
            {
                var field = leaf.PathFromRoot()[0].ChildIndex;
                if (_fields.Contains(field))
                {
                    columns.Add((leaf, ColumnChunkReader.Read(_file, group.Columns[leaf.LeafIndex], leaf, group.NumRows, _options)));
                }
            }
            return new RecordAssembler(_root, _fields).Assemble(columns, group.NumRows, _file.Name);
        }
        catch (ParquetFormatException e) when (!e.Message.StartsWith(_file.Name, StringComparison.Ordinal))
        {
            throw new ParquetFormatException($"{_file.Name}: row group {index}: {e.Message}", e);
        }
    }

    /// <summary>Every (column, page type, encoding, codec) combination in the file, read from the page headers.</summary>
    internal IReadOnlySet<string> PageKinds()
    {
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in _meta.RowGroups)
        {
            foreach (var leaf in _leaves)
            {
                var chunk = group.Columns[leaf.LeafIndex];
                ColumnChunkReader.Read(_file, chunk, leaf, group.NumRows, _options, h => kinds.Add($"{leaf.Path} {h.Type} {h.Encoding} {chunk.Codec}"));
            }
        }
        return kinds;
    }

    /// <summary>Streams all rows, row group by row group.</summary>
    public IEnumerable<JsonObject> ReadRows()
    {
        for (var i = 0; i < RowGroupCount; i++)
        {
            foreach (var row in ReadRowGroup(i))
            {
                yield return row;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();

    private static FileMeta ReadFooter(RandomAccessFile file, ParquetReaderOptions options)
    {
        if (file.Length < 12)
        {
            throw new ParquetFormatException($"{file.Name}: {file.Length} bytes is too short for a parquet file (truncated?)");
        }
        if (!file.Read(0, 4).AsSpan().SequenceEqual(Magic))
        {
            throw new ParquetFormatException($"{file.Name}: does not start with the parquet magic 'PAR1'; not a parquet file");
        }
        var tail = file.Read(file.Length - 8, 8);
        if (!tail.AsSpan(4).SequenceEqual(Magic))
        {
            throw new ParquetFormatException(tail.AsSpan(4).SequenceEqual("PARE"u8)
                ? $"{file.Name}: the footer is encrypted (PARE); encrypted parquet is not supported"
                : $"{file.Name}: does not end with the parquet magic 'PAR1' (truncated or still being written)");
        }
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > file.Length - 12 || footerLength > options.MaxFooterBytes)
        {
            throw new ParquetFormatException($"{file.Name}: footer length {footerLength} does not fit in the {file.Length}-byte file (corrupt)");
        }
        file.DataEnd = file.Length - 8 - footerLength;
        var footer = file.Read(file.DataEnd, footerLength);
        var meta = MetadataParser.ParseFileMeta(new ThriftCompactReader(footer, 0, footer.Length, $"{file.Name}: footer"));
        return meta;
    }

    private List<int> SelectFields(IReadOnlyList<string>? columns)
    {
        if (columns is null)
        {
            return Enumerable.Range(0, _root.Children.Count).ToList();
        }
        var fields = new List<int>();
        foreach (var name in columns)
        {
            var index = _root.Children.FindIndex(c => c.Name == name);
            if (index < 0)
            {
                throw new ParquetFormatException($"{_file.Name}: no column '{name}'; columns are {string.Join(", ", ColumnNames)}");
            }
            fields.Add(index);
        }
        return fields;
    }

    private void CheckRowGroups()
    {
        long total = 0;
        foreach (var group in _meta.RowGroups)
        {
            if (group.Columns.Count != _leaves.Count)
            {
                throw new ParquetFormatException($"{_file.Name}: a row group has {group.Columns.Count} column chunks but the schema has {_leaves.Count} leaf columns");
            }
            if (group.NumRows < 0 || group.NumRows > _options.MaxValuesPerColumnChunk)
            {
                throw new ParquetFormatException($"{_file.Name}: a row group claims {group.NumRows} rows (corrupt or over ParquetReaderOptions.MaxValuesPerColumnChunk)");
            }
            for (var i = 0; i < _leaves.Count; i++)
            {
                var expected = _leaves[i].PathFromRoot().Select(n => n.Name);
                if (!group.Columns[i].Path.SequenceEqual(expected))
                {
                    throw new ParquetFormatException($"{_file.Name}: column chunk {i} is for '{string.Join('.', group.Columns[i].Path)}' but the schema's leaf {i} is '{_leaves[i].Path}'");
                }
                if (group.Columns[i].Type != _leaves[i].Element.Type)
                {
                    throw new ParquetFormatException($"{_file.Name}: column '{_leaves[i].Path}' is {_leaves[i].Element.Type} in the schema but {group.Columns[i].Type} in its chunk");
                }
            }
            total += group.NumRows;
        }
        if (total != _meta.NumRows)
        {
            throw new ParquetFormatException($"{_file.Name}: the row groups hold {total} rows but the footer says {_meta.NumRows}");
        }
    }
}
