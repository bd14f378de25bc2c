namespace ToolRL.Data.Parquet;

/// <summary>Parquet physical types (parquet.thrift <c>Type</c>).</summary>
internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

/// <summary>parquet.thrift <c>FieldRepetitionType</c>.</summary>
internal enum Repetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

/// <summary>parquet.thrift <c>ConvertedType</c> (the legacy annotations; still written by most writers).</summary>
internal enum ConvertedType
{
    None = -1,
    Utf8 = 0,
    Map = 1,
    MapKeyValue = 2,
    List = 3,
    Enum = 4,
    Decimal = 5,
    Date = 6,
    TimeMillis = 7,
    TimeMicros = 8,
    TimestampMillis = 9,
    TimestampMicros = 10,
    Uint8 = 11,
    Uint16 = 12,
    Uint32 = 13,
    Uint64 = 14,
    Int8 = 15,
    Int16 = 16,
    Int32 = 17,
    Int64 = 18,
    Json = 19,
    Bson = 20,
    Interval = 21,
}

/// <summary>The logical annotation a reader acts on, merged from <c>LogicalType</c> and <c>ConvertedType</c>.</summary>
internal enum LogicalKind
{
    None,
    String,
    Map,
    List,
    Enum,
    Decimal,
    Date,
    Time,
    Timestamp,
    Integer,
    Json,
    Bson,
    Uuid,
    Float16,
}

/// <summary>Time unit of TIME/TIMESTAMP annotations.</summary>
internal enum TimeUnit
{
    Millis,
    Micros,
    Nanos,
}

/// <summary>parquet.thrift <c>CompressionCodec</c>.</summary>
internal enum CompressionCodec
{
    Uncompressed = 0,
    Snappy = 1,
    Gzip = 2,
    Lzo = 3,
    Brotli = 4,
    Lz4 = 5,
    Zstd = 6,
    Lz4Raw = 7,
}

/// <summary>parquet.thrift <c>Encoding</c>.</summary>
internal enum Encoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    DeltaBinaryPacked = 5,
    DeltaLengthByteArray = 6,
    DeltaByteArray = 7,
    RleDictionary = 8,
    ByteStreamSplit = 9,
}

/// <summary>parquet.thrift <c>PageType</c>.</summary>
internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>One flattened schema element (parquet.thrift <c>SchemaElement</c>), with its logical annotation resolved.</summary>
internal sealed class SchemaElement
{
    public string Name { get; set; } = "";
    public PhysicalType? Type { get; set; }
    public int TypeLength { get; set; }
    public Repetition Repetition { get; set; } = Repetition.Required;
    public int NumChildren { get; set; }
    public ConvertedType Converted { get; set; } = ConvertedType.None;
    public LogicalKind Logical { get; set; } = LogicalKind.None;
    public int Scale { get; set; }
    public int Precision { get; set; }
    public TimeUnit Unit { get; set; } = TimeUnit.Millis;
    public bool AdjustedToUtc { get; set; } = true;
    public bool IntegerSigned { get; set; } = true;
    public int IntegerBits { get; set; }
}

/// <summary>parquet.thrift <c>ColumnMetaData</c> (the fields the reader uses).</summary>
internal sealed class ColumnChunkMeta
{
    public PhysicalType Type { get; set; }
    public IReadOnlyList<string> Path { get; set; } = [];
    public CompressionCodec Codec { get; set; }
    public long NumValues { get; set; }
    public long TotalCompressedSize { get; set; }
    public long DataPageOffset { get; set; }
    public long? DictionaryPageOffset { get; set; }
    public string? FilePath { get; set; }
}

/// <summary>parquet.thrift <c>RowGroup</c>.</summary>
internal sealed class RowGroupMeta
{
    public List<ColumnChunkMeta> Columns { get; } = [];
    public long NumRows { get; set; }
}

/// <summary>parquet.thrift <c>FileMetaData</c>.</summary>
internal sealed class FileMeta
{
    public List<SchemaElement> Schema { get; } = [];
    public long NumRows { get; set; }
    public List<RowGroupMeta> RowGroups { get; } = [];
    public string? CreatedBy { get; set; }
}

/// <summary>parquet.thrift <c>PageHeader</c> with its type-specific header flattened.</summary>
internal sealed class PageHeader
{
    public PageType Type { get; set; }
    public int UncompressedSize { get; set; }
    public int CompressedSize { get; set; }
    public int NumValues { get; set; }
    public Encoding Encoding { get; set; }
    public Encoding DefinitionLevelEncoding { get; set; } = Encoding.Rle;
    public Encoding RepetitionLevelEncoding { get; set; } = Encoding.Rle;
    public int DefinitionLevelsByteLength { get; set; }
    public int RepetitionLevelsByteLength { get; set; }
    public bool IsCompressed { get; set; } = true;
    public bool HasTypeHeader { get; set; }
}
