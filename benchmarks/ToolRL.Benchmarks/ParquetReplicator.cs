using System.Buffers.Binary;
using ToolRL.Data.Parquet;

namespace ToolRL.Benchmarks;

/// <summary>
/// Builds a larger parquet file from a small one without re-encoding anything: the data region is copied
/// <c>copies</c> times and the footer is rewritten with the row groups repeated, their byte offsets shifted to
/// each copy. The result has the writer's own layout (pages, encodings, codec), only more of it.
/// </summary>
internal static class ParquetReplicator
{
    private enum Kind { RowGroup, ColumnChunk, ColumnMeta }

    public static void Replicate(string source, string target, int copies)
    {
        var bytes = File.ReadAllBytes(source);
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        var footerStart = bytes.Length - 8 - footerLength;
        var regionLength = footerStart - 4;
        var footer = RewriteFooter(bytes, footerStart, bytes.Length - 8, copies, regionLength);
        using var output = File.Create(target);
        output.Write("PAR1"u8);
        for (var k = 0; k < copies; k++)
        {
            output.Write(bytes, 4, regionLength);
        }
        output.Write(footer);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, footer.Length);
        output.Write(length);
        output.Write("PAR1"u8);
    }

    private static byte[] RewriteFooter(byte[] bytes, int start, int end, int copies, long regionLength)
    {
        var reader = new ThriftCompactReader(bytes, start, end, "footer");
        var writer = new ThriftWriter();
        short last = 0, written = 0;
        while (reader.NextField(ref last, out var id, out var type))
        {
            if (id == 3 && type == ThriftType.I64)
            {
                writer.FieldHeader(ref written, id, type);
                writer.ZigZag(reader.ReadI64() * copies);
            }
            else if (id == 4 && type == ThriftType.List)
            {
                var (elementType, count) = reader.ReadListHeader();
                var groups = new List<(int Start, int End)>();
                for (var i = 0; i < count; i++)
                {
                    var at = reader.Position;
                    reader.Skip(elementType);
                    groups.Add((at, reader.Position));
                }
                writer.FieldHeader(ref written, id, type);
                writer.ListHeader(count * copies, elementType);
                for (var k = 0; k < copies; k++)
                {
                    foreach (var (s, e) in groups)
                    {
                        CopyStruct(new ThriftCompactReader(bytes, s, e, "row group"), bytes, writer, Kind.RowGroup, k * regionLength);
                    }
                }
            }
            else
            {
                CopyField(reader, bytes, writer, ref written, id, type);
            }
        }
        writer.Stop();
        return writer.ToArray();
    }

    private static void CopyStruct(ThriftCompactReader reader, byte[] bytes, ThriftWriter writer, Kind kind, long shift)
    {
        short last = 0, written = 0;
        while (reader.NextField(ref last, out var id, out var type))
        {
            var shifted = (kind, id) is (Kind.RowGroup, 5) or (Kind.ColumnChunk, 2 or 4 or 6) or (Kind.ColumnMeta, 9 or 10 or 11);
            if (shifted && type == ThriftType.I64)
            {
                writer.FieldHeader(ref written, id, type);
                writer.ZigZag(reader.ReadI64() + shift);
            }
            else if ((kind, id) is (Kind.RowGroup, 1) && type == ThriftType.List)
            {
                var (elementType, count) = reader.ReadListHeader();
                writer.FieldHeader(ref written, id, type);
                writer.ListHeader(count, elementType);
                for (var i = 0; i < count; i++)
                {
                    CopyStruct(reader, bytes, writer, Kind.ColumnChunk, shift);
                }
            }
            else if ((kind, id) is (Kind.ColumnChunk, 3) && type == ThriftType.Struct)
            {
                writer.FieldHeader(ref written, id, type);
                CopyStruct(reader, bytes, writer, Kind.ColumnMeta, shift);
            }
            else
            {
                CopyField(reader, bytes, writer, ref written, id, type);
            }
        }
        writer.Stop();
    }

    private static void CopyField(ThriftCompactReader reader, byte[] bytes, ThriftWriter writer, ref short written, short id, ThriftType type)
    {
        writer.FieldHeader(ref written, id, type);
        var at = reader.Position;
        reader.Skip(type);
        writer.Raw(bytes.AsSpan(at, reader.Position - at));
    }

    /// <summary>The few Thrift compact-protocol writes the footer rewrite needs.</summary>
    private sealed class ThriftWriter
    {
        private readonly MemoryStream _stream = new();

        public void FieldHeader(ref short last, short id, ThriftType type)
        {
            var delta = id - last;
            if (delta is > 0 and <= 15)
            {
                _stream.WriteByte((byte)((delta << 4) | (byte)type));
            }
            else
            {
                _stream.WriteByte((byte)type);
                ZigZag(id);
            }
            last = id;
        }

        public void ListHeader(int count, ThriftType elementType)
        {
            if (count < 15)
            {
                _stream.WriteByte((byte)((count << 4) | (byte)elementType));
                return;
            }
            _stream.WriteByte((byte)(0xF0 | (byte)elementType));
            Varint((ulong)count);
        }

        public void ZigZag(long value) => Varint((ulong)((value << 1) ^ (value >> 63)));

        public void Stop() => _stream.WriteByte(0);

        public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public byte[] ToArray() => _stream.ToArray();

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
