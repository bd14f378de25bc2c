using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Parquet.Meta;
using Parquet.Schema;
using ToolRL.Data.Parquet;

namespace ToolRL.Data;

/// <summary>
/// Reads Apache Parquet files into <see cref="JsonObject"/> rows, one row group at a time. Pages, encodings
/// and codecs are decoded by Parquet.Net; this class checks the file's framing and footer, assembles nested
/// list/struct/map columns and nulls into rows, and turns every failure into a
/// <see cref="ParquetFormatException"/> naming the file, the row group and the column, so a corrupt file is
/// refused rather than half-read.
/// </summary>
public sealed class ParquetReader : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly string _name;
    private readonly FileStream _stream;
    private readonly global::Parquet.ParquetReader _reader;
    private readonly FileMetaData _meta;
    private readonly SchemaNode _root;
    private readonly List<SchemaNode> _leaves;
    private readonly List<DataField> _fields;
    private readonly ParquetReaderOptions _options;
    private readonly List<int> _selected;

    private ParquetReader(string path, FileStream stream, ParquetReaderOptions options)
    {
        _name = path;
        _stream = stream;
        _options = options;
        var footer = ReadFooterBytes(stream, path, options);
        Guard(() =>
        {
            FooterCheck.Parse(footer);
            return 0;
        }, path, "footer");
        _reader = Guard(() => global::Parquet.ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult(), "footer");
        try
        {
            _meta = _reader.Metadata ?? throw new ParquetFormatException($"{path}: the footer has no metadata");
            (_root, _leaves) = SchemaTree.Build(_meta.Schema, path);
            _fields = Guard(() => _reader.Schema.GetDataFields().ToList(), "schema");
            if (_fields.Count != _leaves.Count)
            {
                throw new ParquetFormatException($"{path}: the schema has {_leaves.Count} leaf columns but Parquet.Net found {_fields.Count}");
            }
            _selected = SelectFields(options.Columns);
            CheckRowGroups();
        }
        catch
        {
            _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and reads its footer (the rows are read on demand).</summary>
    /// <exception cref="ParquetFormatException">The file is not parquet, is truncated or its footer is corrupt.</exception>
    public static ParquetReader Open(string path, ParquetReaderOptions? options = null)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try
        {
            return new ParquetReader(path, stream, options ?? ParquetReaderOptions.Default);
        }
        catch
        {
            stream.Dispose();
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

    /// <summary>The leaf column paths (e.g. <c>prompt.list.element.content</c>) with their physical types (e.g. <c>BYTE_ARRAY</c>).</summary>
    public IReadOnlyList<string> LeafColumns => _leaves.Select(l => $"{l.Path}: {l.Element.Type}").ToList();

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public long RowGroupRowCount(int index) => _meta.RowGroups[index].NumRows;

    /// <summary>Decodes row group <paramref name="index"/> into rows.</summary>
    public IReadOnlyList<JsonObject> ReadRowGroup(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        var rowCount = _meta.RowGroups[index].NumRows;
        var group = Guard(() => _reader.OpenRowGroupReader(index), $"row group {index}");
        var columns = new List<(SchemaNode, ColumnData)>();
        foreach (var leaf in _leaves)
        {
            if (_selected.Contains(leaf.PathFromRoot()[0].ChildIndex))
            {
                columns.Add((leaf, Guard(() => LeafValues.Read(group, _fields[leaf.LeafIndex], leaf), $"row group {index}: column '{leaf.Path}'")));
            }
        }
        return Guard(() => new RecordAssembler(_root, _selected).Assemble(columns, rowCount, _name), $"row group {index}");
    }

    /// <summary>Every (column, encoding, codec) combination the footer's column chunks declare.</summary>
    internal IReadOnlySet<string> ChunkEncodings()
    {
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in _meta.RowGroups)
        {
            foreach (var leaf in _leaves)
            {
                var chunk = group.Columns[leaf.LeafIndex].MetaData!;
                foreach (var encoding in chunk.Encodings)
                {
                    kinds.Add($"{leaf.Path} {encoding} {chunk.Codec}");
                }
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
    public void Dispose()
    {
        _reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }

    /// <summary>
    /// Runs a Parquet.Net step; any failure of it (its own exceptions, or the index and cast errors a corrupt
    /// file provokes) becomes a <see cref="ParquetFormatException"/> naming the file and <paramref name="where"/>.
    /// </summary>
    private T Guard<T>(Func<T> step, string where) => Guard(step, _name, where);

    private static T Guard<T>(Func<T> step, string file, string where)
    {
        try
        {
            return step();
        }
        catch (ParquetFormatException e)
        {
            throw e.Message.StartsWith(file, StringComparison.Ordinal) ? e : new ParquetFormatException($"{file}: {where}: {e.Message}", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            var cause = e.InnerException is { } inner && e is InvalidDataException ? $"{e.Message}: {inner.Message}" : e.Message;
            throw new ParquetFormatException($"{file}: {where}: Parquet.Net could not read it ({e.GetType().Name}: {cause}); {Advice}", e);
        }
    }

    private const string Advice = "the file is corrupt, or uses a layout Parquet.Net 6.1 does not read (see docs/data.md; rewriting it with pyarrow's defaults or DuckDB's PARQUET_VERSION V1 helps)";

    /// <summary>Checks the parquet framing ('PAR1' at both ends, a footer length that fits) and returns the footer's bytes.</summary>
    private static byte[] ReadFooterBytes(FileStream stream, string name, ParquetReaderOptions options)
    {
        var length = stream.Length;
        if (length < 12)
        {
            throw new ParquetFormatException($"{name}: {length} bytes is too short for a parquet file (truncated?)");
        }
        Span<byte> head = stackalloc byte[4];
        Span<byte> tail = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(head);
        stream.Position = length - 8;
        stream.ReadExactly(tail);
        if (!head.SequenceEqual(Magic))
        {
            throw new ParquetFormatException($"{name}: does not start with the parquet magic 'PAR1'; not a parquet file");
        }
        if (!tail[4..].SequenceEqual(Magic))
        {
            throw new ParquetFormatException(tail[4..].SequenceEqual("PARE"u8)
                ? $"{name}: the footer is encrypted (PARE); encrypted parquet is not supported"
                : $"{name}: does not end with the parquet magic 'PAR1' (truncated or still being written)");
        }
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12 || footerLength > options.MaxFooterBytes)
        {
            throw new ParquetFormatException($"{name}: footer length {footerLength} does not fit in the {length}-byte file (corrupt)");
        }
        var footer = new byte[footerLength];
        stream.Position = length - 8 - footerLength;
        stream.ReadExactly(footer);
        stream.Position = 0;
        return footer;
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
                throw new ParquetFormatException($"{_name}: no column '{name}'; columns are {string.Join(", ", ColumnNames)}");
            }
            fields.Add(index);
        }
        return fields;
    }

    /// <summary>Checks each row group's chunks against the schema and the limits before any page is read.</summary>
    private void CheckRowGroups()
    {
        long total = 0;
        for (var g = 0; g < _meta.RowGroups.Count; g++)
        {
            var group = _meta.RowGroups[g];
            if (group.Columns.Count != _leaves.Count)
            {
                throw new ParquetFormatException($"{_name}: row group {g} has {group.Columns.Count} column chunks but the schema has {_leaves.Count} leaf columns");
            }
            if (group.NumRows < 0 || group.NumRows > _options.MaxValuesPerColumnChunk)
            {
                throw new ParquetFormatException($"{_name}: row group {g} claims {group.NumRows} rows (corrupt or over ParquetReaderOptions.MaxValuesPerColumnChunk)");
            }
            for (var i = 0; i < _leaves.Count; i++)
            {
                var chunk = group.Columns[i].MetaData
                    ?? throw new ParquetFormatException($"{_name}: row group {g}: column chunk {i} has no metadata (encrypted or corrupt)");
                var expected = _leaves[i].PathFromRoot().Select(n => n.Name);
                if (!chunk.PathInSchema.SequenceEqual(expected))
                {
                    throw new ParquetFormatException($"{_name}: column chunk {i} is for '{string.Join('.', chunk.PathInSchema)}' but the schema's leaf {i} is '{_leaves[i].Path}'");
                }
                if (chunk.Type != _leaves[i].Element.Type)
                {
                    throw new ParquetFormatException($"{_name}: column '{_leaves[i].Path}' is {_leaves[i].Element.Type} in the schema but {chunk.Type} in its chunk");
                }
                if (chunk.Codec == CompressionCodec.LZ4)
                {
                    // The deprecated Hadoop-framed LZ4: Parquet.Net reads it as raw LZ4 and fails deep inside a page.
                    throw new ParquetFormatException($"{_name}: unsupported codec LZ4 in column '{_leaves[i].Path}' (the deprecated Hadoop framing); rewrite the file with LZ4_RAW, ZSTD or SNAPPY");
                }
                if (chunk.DataPageOffset < 4 || chunk.DataPageOffset >= _stream.Length
                    || chunk.TotalCompressedSize < 0 || chunk.TotalCompressedSize > _options.MaxColumnChunkBytes
                    || chunk.TotalUncompressedSize < 0 || chunk.TotalUncompressedSize > _options.MaxColumnChunkBytes)
                {
                    throw new ParquetFormatException($"{_name}: row group {g}: column '{_leaves[i].Path}' has an impossible offset or size (corrupt, or over ParquetReaderOptions.MaxColumnChunkBytes)");
                }
            }
            total += group.NumRows;
        }
        if (total != _meta.NumRows)
        {
            throw new ParquetFormatException($"{_name}: the row groups hold {total} rows but the footer says {_meta.NumRows}");
        }
    }
}
