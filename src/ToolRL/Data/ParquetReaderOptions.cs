namespace ToolRL.Data;

/// <summary>Limits and column selection for <see cref="ParquetReader"/>. The limits stop a corrupt footer from forcing a huge allocation.</summary>
public sealed record ParquetReaderOptions
{
    /// <summary>Top-level columns to read (null = all). Unread columns are never decompressed.</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Largest footer accepted (default 64 MiB).</summary>
    public int MaxFooterBytes { get; init; } = 64 << 20;

    /// <summary>Largest column chunk accepted, compressed or uncompressed, as the footer states it (default 1 GiB).</summary>
    public long MaxColumnChunkBytes { get; init; } = 1L << 30;

    /// <summary>Most rows accepted in one row group (default 50 million).</summary>
    public long MaxValuesPerColumnChunk { get; init; } = 50_000_000;

    /// <summary>The defaults.</summary>
    public static ParquetReaderOptions Default { get; } = new();
}
