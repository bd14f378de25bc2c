using ParquetSharp;

namespace ToolRL.Data.Parquet;

/// <summary>Encodings and codecs as the parquet format (parquet.thrift) names them, so messages and tests read like the spec.</summary>
internal static class FormatNames
{
    public static string Of(Encoding encoding) => encoding switch
    {
        Encoding.Plain => "PLAIN",
        Encoding.PlainDictionary => "PLAIN_DICTIONARY",
        Encoding.Rle => "RLE",
        Encoding.BitPacked => "BIT_PACKED",
        Encoding.DeltaBinaryPacked => "DELTA_BINARY_PACKED",
        Encoding.DeltaLengthByteArray => "DELTA_LENGTH_BYTE_ARRAY",
        Encoding.DeltaByteArray => "DELTA_BYTE_ARRAY",
        Encoding.RleDictionary => "RLE_DICTIONARY",
        Encoding.ByteStreamSplit => "BYTE_STREAM_SPLIT",
        _ => encoding.ToString().ToUpperInvariant(),
    };

    /// <summary>Arrow calls the format's LZ4_RAW "Lz4" and the deprecated Hadoop-framed LZ4 "Lz4Hadoop".</summary>
    public static string Of(Compression codec) => codec switch
    {
        Compression.Uncompressed => "UNCOMPRESSED",
        Compression.Snappy => "SNAPPY",
        Compression.Gzip => "GZIP",
        Compression.Brotli => "BROTLI",
        Compression.Zstd => "ZSTD",
        Compression.Lz4 => "LZ4_RAW",
        Compression.Lz4Hadoop => "LZ4",
        Compression.Lzo => "LZO",
        _ => codec.ToString().ToUpperInvariant(),
    };
}
