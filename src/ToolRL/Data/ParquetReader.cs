using System.Buffers.Binary;
using System.Text.Json.Nodes;
using ParquetSharp;
using ToolRL.Data.Parquet;

namespace ToolRL.Data;

/// <summary>
/// Reads Apache Parquet files into <see cref="JsonObject"/> rows, one row group at a time. The footer, pages,
/// encodings and codecs are decoded by ParquetSharp (Apache Arrow's C++ reader, the engine of pyarrow, which writes
/// verl's and Hugging Face's files); this class checks the file's framing and limits, assembles nested
/// list/struct/map columns and nulls into rows, and turns every failure into a <see cref="ParquetFormatException"/>
/// naming the file, the row group and the column, so a corrupt file is refused rather than half-read.
/// </summary>
public sealed class ParquetReader : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly string _name;
    private readonly ParquetFileReader _reader;
    private readonly long _rowCount;
    private readonly long[] _rowGroupRows;
    private readonly SchemaNode _root;
    private readonly List<SchemaNode> _leaves;
    private readonly ParquetReaderOptions _options;
    private readonly List<int> _selected;

    private ParquetReader(string path, ParquetReaderOptions options)
    {
        _name = path;
        _options = options;
        CheckFraming(path, options);
        _reader = Guard(() => new ParquetFileReader(path), path, "footer");
        try
        {
            using var meta = Guard(() => _reader.FileMetaData, "footer");
            CreatedBy = meta.CreatedBy;
            _rowCount = meta.NumRows;
            var schema = meta.Schema;
            (_root, _leaves) = Guard(() =>
            {
                using var root = schema.GroupNode;
                return SchemaTree.Build(root, schema.NumColumns, path);
            }, "schema");
            _rowGroupRows = new long[meta.NumRowGroups];
            _selected = SelectFields(options.Columns);
            Guard(CheckRowGroups, "footer");
        }
        catch
        {
            _reader.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and reads its footer (the rows are read on demand).</summary>
    /// <exception cref="ParquetFormatException">The file is not parquet, is truncated or its footer is corrupt.</exception>
    public static ParquetReader Open(string path, ParquetReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new ParquetReader(path, options ?? ParquetReaderOptions.Default);
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
    public long RowCount => _rowCount;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _rowGroupRows.Length;

    /// <summary>The writer recorded in the footer (e.g. "parquet-cpp-arrow version 18.0.0"), if any.</summary>
    public string? CreatedBy { get; }

    /// <summary>The top-level column names, in schema order.</summary>
    public IReadOnlyList<string> ColumnNames => _root.Children.Select(c => c.Name).ToList();

    /// <summary>The leaf column paths (e.g. <c>prompt.list.element.content</c>) with their physical types (e.g. <c>BYTE_ARRAY</c>).</summary>
    public IReadOnlyList<string> LeafColumns => _leaves.Select(l => $"{l.Path}: {l.PhysicalTypeName}").ToList();

    /// <summary>Rows in row group <paramref name="index"/>.</summary>
    public long RowGroupRowCount(int index) => _rowGroupRows[index];

    /// <summary>Decodes row group <paramref name="index"/> into rows.</summary>
    public IReadOnlyList<JsonObject> ReadRowGroup(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        var rowCount = _rowGroupRows[index];
        using var group = Guard(() => _reader.RowGroup(index), $"row group {index}");
        var columns = new List<(SchemaNode, ColumnData)>();
        foreach (var leaf in _leaves)
        {
            if (_selected.Contains(leaf.PathFromRoot()[0].ChildIndex))
            {
                columns.Add((leaf, Guard(() =>
                {
                    using var chunk = group.MetaData.GetColumnChunkMetaData(leaf.LeafIndex);
                    return LeafValues.Read(group, leaf, (int)chunk.NumValues);
                }, $"row group {index}: column '{leaf.Path}'")));
            }
        }
        return Guard(() => new RecordAssembler(_root, _selected).Assemble(columns, rowCount, _name), $"row group {index}");
    }

    /// <summary>Every (column, encoding, codec) combination the footer's column chunks declare, as the parquet format names them.</summary>
    internal IReadOnlySet<string> ChunkEncodings()
    {
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        for (var g = 0; g < RowGroupCount; g++)
        {
            using var group = _reader.RowGroup(g);
            foreach (var leaf in _leaves)
            {
                using var chunk = group.MetaData.GetColumnChunkMetaData(leaf.LeafIndex);
                foreach (var encoding in chunk.Encodings)
                {
                    kinds.Add($"{leaf.Path} {FormatNames.Of(encoding)} {FormatNames.Of(chunk.Compression)}");
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
        _reader.Dispose();
    }

    /// <summary>
    /// Runs a step of reading; any failure of it (Arrow's <see cref="ParquetException"/>, or the range and format
    /// errors a corrupt value provokes in the conversion) becomes a <see cref="ParquetFormatException"/> naming the file and <paramref name="where"/>.
    /// </summary>
    private T Guard<T>(Func<T> step, string where) => Guard(step, _name, where);

    private void Guard(Action step, string where) => Guard(() =>
    {
        step();
        return 0;
    }, _name, where);

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
            throw new ParquetFormatException($"{file}: {where}: could not be read ({e.GetType().Name}: {FirstLine(cause)}); {Advice}", e);
        }
    }

    private const string Advice = "the file is corrupt or truncated (see docs/data.md)";

    /// <summary>Arrow's messages can carry a native stack after the first line; the first line says what failed.</summary>
    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();

    /// <summary>
    /// Checks the parquet framing ('PAR1' at both ends, a footer length that fits the file and the limit) before
    /// Arrow parses anything, so the common failures (not parquet, truncated, still being written) say so plainly.
    /// </summary>
    private static void CheckFraming(string name, ParquetReaderOptions options)
    {
        using var stream = new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
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
        for (var g = 0; g < _rowGroupRows.Length; g++)
        {
            using var group = _reader.RowGroup(g);
            var meta = group.MetaData;
            if (meta.NumColumns != _leaves.Count)
            {
                throw new ParquetFormatException($"{_name}: row group {g} has {meta.NumColumns} column chunks but the schema has {_leaves.Count} leaf columns");
            }
            if (meta.NumRows < 0 || meta.NumRows > _options.MaxValuesPerColumnChunk)
            {
                throw new ParquetFormatException($"{_name}: row group {g} claims {meta.NumRows} rows (corrupt or over ParquetReaderOptions.MaxValuesPerColumnChunk)");
            }
            foreach (var leaf in _leaves)
            {
                using var chunk = meta.GetColumnChunkMetaData(leaf.LeafIndex);
                if (chunk.Type != leaf.PhysicalType)
                {
                    throw new ParquetFormatException($"{_name}: column '{leaf.Path}' is {leaf.PhysicalTypeName} in the schema but {chunk.Type} in its chunk");
                }
                if (chunk.NumValues < 0 || chunk.NumValues > _options.MaxValuesPerColumnChunk
                    || chunk.TotalCompressedSize < 0 || chunk.TotalCompressedSize > _options.MaxColumnChunkBytes
                    || chunk.TotalUncompressedSize < 0 || chunk.TotalUncompressedSize > _options.MaxColumnChunkBytes)
                {
                    throw new ParquetFormatException($"{_name}: row group {g}: column '{leaf.Path}' declares an impossible size or value count (corrupt, or over ParquetReaderOptions.MaxColumnChunkBytes / MaxValuesPerColumnChunk)");
                }
            }
            _rowGroupRows[g] = meta.NumRows;
            total += meta.NumRows;
        }
        if (total != _rowCount)
        {
            throw new ParquetFormatException($"{_name}: the row groups hold {total} rows but the footer says {_rowCount}");
        }
    }
}
