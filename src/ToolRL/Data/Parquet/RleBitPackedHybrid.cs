namespace ToolRL.Data.Parquet;

/// <summary>
/// The RLE / bit-packing hybrid encoding (Parquet "Encodings.md"): runs of <c>varint header</c>; an even header is an
/// RLE run of <c>header/2</c> copies of one value stored in ceil(bitWidth/8) bytes, an odd header is
/// <c>header/2</c> groups of 8 values bit-packed LSB first. Used for levels, dictionary indices and v2 booleans.
/// </summary>
internal static class RleBitPackedHybrid
{
    /// <summary>Fills <paramref name="output"/> from <paramref name="data"/>; returns the bytes consumed.</summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string what)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new ParquetFormatException($"{what}: bit width {bitWidth} is out of range 0..32");
        }
        var pos = 0;
        var filled = 0;
        var byteWidth = (bitWidth + 7) / 8;
        while (filled < output.Length)
        {
            var header = ReadVarint(data, ref pos, what);
            if ((header & 1) == 0)
            {
                var count = header >> 1;
                if (byteWidth > data.Length - pos)
                {
                    throw new ParquetFormatException($"{what}: an RLE run is cut off");
                }
                var value = 0;
                for (var i = 0; i < byteWidth; i++)
                {
                    value |= data[pos + i] << (8 * i);
                }
                pos += byteWidth;
                var take = (int)Math.Min(count, (ulong)(output.Length - filled));
                if (take == 0 && count == 0)
                {
                    throw new ParquetFormatException($"{what}: an empty RLE run (corrupt data would loop)");
                }
                output.Slice(filled, take).Fill(value);
                filled += take;
            }
            else
            {
                var groups = header >> 1;
                if (groups == 0)
                {
                    throw new ParquetFormatException($"{what}: an empty bit-packed run (corrupt data would loop)");
                }
                var values = (long)Math.Min(groups * 8, (ulong)(output.Length - filled));
                var runBytes = groups * (ulong)bitWidth;
                var neededBytes = (int)((values * bitWidth + 7) / 8);
                if (neededBytes > data.Length - pos)
                {
                    throw new ParquetFormatException($"{what}: a bit-packed run is cut off");
                }
                Unpack(data[pos..], bitWidth, output.Slice(filled, (int)values));
                filled += (int)values;
                pos += (int)Math.Min(runBytes, (ulong)(data.Length - pos));
            }
        }
        return pos;
    }

    /// <summary>Unpacks little-endian, LSB-first packed values of <paramref name="bitWidth"/> bits.</summary>
    public static void Unpack(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        long bit = 0;
        for (var i = 0; i < output.Length; i++, bit += bitWidth)
        {
            var byteIndex = (int)(bit >> 3);
            var shift = (int)(bit & 7);
            ulong window = 0;
            for (int b = 0, n = Math.Min(5, data.Length - byteIndex); b < n; b++)
            {
                window |= (ulong)data[byteIndex + b] << (8 * b);
            }
            output[i] = (int)((uint)(window >> shift) & mask);
        }
    }

    public static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos, string what)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw new ParquetFormatException($"{what}: data ends inside a varint");
            }
            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw new ParquetFormatException($"{what}: a varint is too long");
    }
}
