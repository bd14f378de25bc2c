namespace ToolRL.Data.Parquet;

/// <summary>
/// Reads one column chunk: its pages (dictionary, data v1, data v2) decompressed and decoded into
/// <see cref="ColumnData"/>. Offsets, sizes and counts are checked against the file and the metadata first.
/// </summary>
internal static class ColumnChunkReader
{
    /// <summary>Reads and decodes the chunk; <paramref name="onPage"/> sees each page header (tests use it to prove which page kinds and encodings a file has).</summary>
    public static ColumnData Read(RandomAccessFile file, ColumnChunkMeta meta, SchemaNode leaf, long rowGroupRows, ParquetReaderOptions options, Action<PageHeader>? onPage = null)
    {
        var column = leaf.Path;
        var (start, length) = ChunkRange(file, meta, column);
        // A column that is not repeated has exactly one entry per row; a repeated one at least one.
        var countFits = leaf.RepetitionLevel == 0 ? meta.NumValues == rowGroupRows : meta.NumValues >= rowGroupRows;
        if (!countFits || meta.NumValues > options.MaxValuesPerColumnChunk)
        {
            throw new ParquetFormatException(meta.NumValues > options.MaxValuesPerColumnChunk
                ? $"{file.Name}: column '{column}' claims {meta.NumValues} values, over the limit {options.MaxValuesPerColumnChunk} (ParquetReaderOptions.MaxValuesPerColumnChunk)"
                : $"{file.Name}: column '{column}' has {meta.NumValues} values for {rowGroupRows} rows (corrupt metadata)");
        }
        var buffer = file.Read(start, (int)length);
        var data = new ColumnData(meta.NumValues);
        var converter = new ValueConverter(leaf.Element, column);
        object[]? dictionary = null;
        var pos = 0;
        while (data.Count < meta.NumValues)
        {
            if (pos >= buffer.Length)
            {
                throw new ParquetFormatException($"{file.Name}: column '{column}' ends after {data.Count} of its {meta.NumValues} values (truncated chunk)");
            }
            var headerReader = new ThriftCompactReader(buffer, pos, buffer.Length, $"{file.Name}: page header in column '{column}'");
            var header = MetadataParser.ParsePageHeader(headerReader);
            pos = headerReader.Position;
            CheckPageHeader(header, buffer.Length - pos, options, file.Name, column);
            onPage?.Invoke(header);
            var page = buffer.AsSpan(pos, header.CompressedSize);
            pos += header.CompressedSize;
            switch (header.Type)
            {
                case PageType.DictionaryPage:
                    var plain = Decompressor.Decompress(meta.Codec, page, header.UncompressedSize, column);
                    dictionary = PageValueDecoder.DecodeDictionaryPage(plain, header.NumValues, leaf, converter);
                    break;
                case PageType.DataPage:
                    CheckValueCount(header, data, meta, column);
                    ReadDataPageV1(Decompressor.Decompress(meta.Codec, page, header.UncompressedSize, column), header, leaf, converter, dictionary, data);
                    break;
                case PageType.DataPageV2:
                    CheckValueCount(header, data, meta, column);
                    ReadDataPageV2(page, header, meta.Codec, leaf, converter, dictionary, data);
                    break;
                default:
                    break; // index pages carry no values
            }
        }
        return data;
    }

    private static (long Start, long Length) ChunkRange(RandomAccessFile file, ColumnChunkMeta meta, string column)
    {
        if (meta.FilePath is not null)
        {
            throw new ParquetFormatException($"{file.Name}: column '{column}' lives in another file ('{meta.FilePath}'); external column chunks are not supported");
        }
        // Some writers store dictionary_page_offset = 0 for "none"; the dictionary page always precedes the data pages.
        var start = meta.DictionaryPageOffset is { } dict && dict > 0 && dict < meta.DataPageOffset ? dict : meta.DataPageOffset;
        var length = meta.TotalCompressedSize;
        if (start < 4 || length <= 0 || start > file.DataEnd || length > file.DataEnd - start || length > int.MaxValue)
        {
            throw new ParquetFormatException($"{file.Name}: column '{column}' claims bytes {start}..{start + length} but the data region is 4..{file.DataEnd} (truncated or corrupt file)");
        }
        return (start, length);
    }

    private static void CheckPageHeader(PageHeader header, int bytesLeft, ParquetReaderOptions options, string file, string column)
    {
        if (!header.HasTypeHeader && header.Type != PageType.IndexPage)
        {
            throw new ParquetFormatException($"{file}: a {header.Type} page in column '{column}' has no type-specific header");
        }
        if (header.CompressedSize < 0 || header.CompressedSize > bytesLeft)
        {
            throw new ParquetFormatException($"{file}: a page in column '{column}' claims {header.CompressedSize} bytes but {bytesLeft} are left in the chunk (truncated or corrupt)");
        }
        if (header.UncompressedSize < 0 || header.UncompressedSize > options.MaxPageBytes)
        {
            throw new ParquetFormatException($"{file}: a page in column '{column}' claims {header.UncompressedSize} uncompressed bytes, over the limit {options.MaxPageBytes} (ParquetReaderOptions.MaxPageBytes)");
        }
        if (header.NumValues < 0)
        {
            throw new ParquetFormatException($"{file}: a page in column '{column}' claims {header.NumValues} values");
        }
    }

    private static void CheckValueCount(PageHeader header, ColumnData data, ColumnChunkMeta meta, string column)
    {
        if (header.NumValues > meta.NumValues - data.Count)
        {
            throw new ParquetFormatException($"column '{column}': a page holds {header.NumValues} values but only {meta.NumValues - data.Count} remain of the chunk's {meta.NumValues}");
        }
        data.Reserve(header.NumValues);
    }

    private static void ReadDataPageV1(byte[] page, PageHeader header, SchemaNode leaf, ValueConverter converter, object[]? dictionary, ColumnData data)
    {
        var column = leaf.Path;
        var span = page.AsSpan();
        var count = header.NumValues;
        if (leaf.RepetitionLevel > 0)
        {
            RequireRle(header.RepetitionLevelEncoding, column, "repetition");
            var levels = PageValueDecoder.LengthPrefixed(span, column, out var used);
            DecodeLevels(levels, leaf.RepetitionLevel, data.Repetition.AsSpan(data.Count, count), $"column '{column}' repetition levels");
            span = span[used..];
        }
        if (leaf.DefinitionLevel > 0)
        {
            RequireRle(header.DefinitionLevelEncoding, column, "definition");
            var levels = PageValueDecoder.LengthPrefixed(span, column, out var used);
            DecodeLevels(levels, leaf.DefinitionLevel, data.Definition.AsSpan(data.Count, count), $"column '{column}' definition levels");
            span = span[used..];
        }
        DecodeValues(span, header.Encoding, header.NumValues, leaf, converter, dictionary, data);
    }

    private static void ReadDataPageV2(ReadOnlySpan<byte> page, PageHeader header, CompressionCodec codec, SchemaNode leaf, ValueConverter converter, object[]? dictionary, ColumnData data)
    {
        var column = leaf.Path;
        var repLength = header.RepetitionLevelsByteLength;
        var defLength = header.DefinitionLevelsByteLength;
        if (repLength < 0 || defLength < 0 || (long)repLength + defLength > page.Length || (long)repLength + defLength > header.UncompressedSize)
        {
            throw new ParquetFormatException($"column '{column}': a v2 page's level sections ({repLength} + {defLength} bytes) do not fit in the page");
        }
        var count = header.NumValues;
        // In v2 pages the levels are never compressed and carry no length prefix.
        if (leaf.RepetitionLevel > 0)
        {
            DecodeLevels(page[..repLength], leaf.RepetitionLevel, data.Repetition.AsSpan(data.Count, count), $"column '{column}' repetition levels");
        }
        if (leaf.DefinitionLevel > 0)
        {
            DecodeLevels(page.Slice(repLength, defLength), leaf.DefinitionLevel, data.Definition.AsSpan(data.Count, count), $"column '{column}' definition levels");
        }
        var values = page[(repLength + defLength)..];
        var valuesSize = header.UncompressedSize - repLength - defLength;
        var plain = header.IsCompressed ? Decompressor.Decompress(codec, values, valuesSize, column) : values.ToArray();
        DecodeValues(plain, header.Encoding, count, leaf, converter, dictionary, data);
    }

    private static void DecodeValues(ReadOnlySpan<byte> span, Encoding encoding, int count, SchemaNode leaf, ValueConverter converter, object[]? dictionary, ColumnData data)
    {
        var nonNull = 0;
        var definitions = data.Definition.AsSpan(data.Count, count);
        if (leaf.DefinitionLevel == 0)
        {
            nonNull = count;
        }
        else
        {
            foreach (var level in definitions)
            {
                nonNull += level == leaf.DefinitionLevel ? 1 : 0;
            }
        }
        PageValueDecoder.Decode(span, encoding, nonNull, leaf, converter, dictionary, data.Values);
        data.Count += count;
    }

    private static void DecodeLevels(ReadOnlySpan<byte> encoded, int maxLevel, Span<byte> output, string what)
    {
        var bitWidth = 32 - int.LeadingZeroCount(maxLevel);
        var levels = new int[output.Length];
        RleBitPackedHybrid.Decode(encoded, bitWidth, levels, what);
        for (var i = 0; i < levels.Length; i++)
        {
            if ((uint)levels[i] > (uint)maxLevel)
            {
                throw new ParquetFormatException($"{what}: level {levels[i]} exceeds the maximum {maxLevel}");
            }
            output[i] = (byte)levels[i];
        }
    }

    private static void RequireRle(Encoding encoding, string column, string kind)
    {
        if (encoding != Encoding.Rle)
        {
            throw new ParquetFormatException($"column '{column}': {kind} levels use {encoding}; only RLE levels are supported (BIT_PACKED levels are deprecated since parquet-format 2.0)");
        }
    }
}
