using System.Buffers.Binary;

namespace ToolRL.Training.Metrics.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: per record, the length as uint64 little-endian,
/// the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data (all little-endian).
/// </summary>
internal static class TfRecordWriter
{
    /// <summary>Appends one framed record to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }
}
