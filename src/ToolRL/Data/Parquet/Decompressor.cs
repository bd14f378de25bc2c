using System.IO.Compression;
using System.Runtime.InteropServices;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Decompresses one page to exactly its declared size. Every codec is bounded by that size, so a corrupt
/// header cannot make it allocate more, and output of another length is refused.
/// </summary>
internal static class Decompressor
{
    public static byte[] Decompress(CompressionCodec codec, ReadOnlySpan<byte> source, int uncompressedSize, string column)
    {
        if (codec == CompressionCodec.Uncompressed)
        {
            if (source.Length != uncompressedSize)
            {
                throw new ParquetFormatException($"column '{column}': uncompressed page holds {source.Length} bytes but its header says {uncompressedSize}");
            }
            return source.ToArray();
        }
        byte[] output;
        try
        {
            output = codec switch
            {
                CompressionCodec.Snappy => Snappy(source, uncompressedSize, column),
                CompressionCodec.Gzip => Gzip(source, uncompressedSize, column),
                CompressionCodec.Zstd => Zstd(source, uncompressedSize, column),
                CompressionCodec.Brotli => Brotli(source, uncompressedSize, column),
                CompressionCodec.Lz4Raw => Lz4Block.Decode(source, uncompressedSize, column),
                _ => throw new ParquetFormatException(
                    $"unsupported codec {codec.ToString().ToUpperInvariant()} in column '{column}'; supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, BROTLI, LZ4_RAW (rewrite the file with one of them)"),
            };
        }
        catch (Exception e) when (e is not ParquetFormatException and not DllNotFoundException)
        {
            throw new ParquetFormatException($"column '{column}': corrupt {codec} page ({e.Message})", e);
        }
        return output;
    }

    private static byte[] Snappy(ReadOnlySpan<byte> source, int size, string column)
    {
        // A snappy block starts with its uncompressed length as a varint: check it before decoding.
        ulong declared = 0;
        var shift = 0;
        for (var i = 0; ; i++)
        {
            if (i >= source.Length || i >= 5)
            {
                throw new ParquetFormatException($"column '{column}': snappy page has a broken length preamble");
            }
            declared |= (ulong)(source[i] & 0x7F) << shift;
            shift += 7;
            if ((source[i] & 0x80) == 0)
            {
                break;
            }
        }
        if (declared != (ulong)size)
        {
            throw new ParquetFormatException($"column '{column}': snappy page decodes to {declared} bytes but its header says {size}");
        }
        var output = IronSnappy.Snappy.Decode(source);
        return CheckLength(output, size, "SNAPPY", column);
    }

    private static byte[] Gzip(ReadOnlySpan<byte> source, int size, string column)
    {
        var output = new byte[size];
        using var input = new MemoryStream(source.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        gzip.ReadExactly(output);
        if (gzip.ReadByte() != -1)
        {
            throw new ParquetFormatException($"column '{column}': GZIP page decodes to more than the {size} bytes its header says");
        }
        return output;
    }

    private static byte[] Brotli(ReadOnlySpan<byte> source, int size, string column)
    {
        var output = new byte[size];
        if (!BrotliDecoder.TryDecompress(source, output, out var written) || written != size)
        {
            throw new ParquetFormatException($"column '{column}': BROTLI page does not decode to the {size} bytes its header says");
        }
        return output;
    }

    private static unsafe byte[] Zstd(ReadOnlySpan<byte> source, int size, string column)
    {
        var output = new byte[size];
        nuint written;
        try
        {
            fixed (byte* src = source)
            fixed (byte* dst = output)
            {
                written = ZstdNative.ZSTD_decompress(dst, (nuint)size, src, (nuint)source.Length);
            }
        }
        catch (DllNotFoundException e)
        {
            throw new ParquetFormatException($"column '{column}' is ZSTD-compressed and needs libzstd.so.1 (Debian package libzstd1: apt-get install libzstd1)", e);
        }
        if (ZstdNative.ZSTD_isError(written) != 0)
        {
            var name = Marshal.PtrToStringAnsi(ZstdNative.ZSTD_getErrorName(written));
            throw new ParquetFormatException($"column '{column}': corrupt ZSTD page ({name})");
        }
        return CheckLength(output, (int)written == size ? size : -1, "ZSTD", column);
    }

    private static byte[] CheckLength(byte[] output, int size, string codec, string column) =>
        output.Length == size && size >= 0
            ? output
            : throw new ParquetFormatException($"column '{column}': {codec} page decodes to a different size than its header says");
}

/// <summary>The three libzstd entry points the reader needs (Debian's libzstd.so.1, always installed).</summary>
internal static unsafe partial class ZstdNative
{
    private const string Library = "libzstd.so.1";

    [LibraryImport(Library)]
    internal static partial nuint ZSTD_decompress(byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Library)]
    internal static partial uint ZSTD_isError(nuint code);

    [LibraryImport(Library)]
    internal static partial nint ZSTD_getErrorName(nuint code);
}
