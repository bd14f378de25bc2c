namespace ToolRL.Data.Parquet;

/// <summary>
/// DELTA_BINARY_PACKED (Parquet "Encodings.md"): a header (block size, miniblocks per block, value count, first
/// value), then blocks of a zig-zag min delta, one bit width per miniblock and the bit-packed deltas. Arithmetic
/// wraps in 64 bits, as the specification requires.
/// </summary>
internal static class DeltaBinaryPacked
{
    /// <summary>Decodes the values; <paramref name="consumed"/> is where the encoded stream ends.</summary>
    public static long[] Decode(ReadOnlySpan<byte> data, int maxValues, string what, out int consumed)
    {
        var pos = 0;
        var blockSize = RleBitPackedHybrid.ReadVarint(data, ref pos, what);
        var miniblocks = RleBitPackedHybrid.ReadVarint(data, ref pos, what);
        var total = RleBitPackedHybrid.ReadVarint(data, ref pos, what);
        var first = ZigZag(RleBitPackedHybrid.ReadVarint(data, ref pos, what));
        if (blockSize == 0 || blockSize % 128 != 0 || miniblocks == 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 32 != 0 || blockSize > 1 << 20)
        {
            throw new ParquetFormatException($"{what}: invalid DELTA_BINARY_PACKED header (block {blockSize}, miniblocks {miniblocks})");
        }
        if (total > (ulong)maxValues)
        {
            throw new ParquetFormatException($"{what}: DELTA_BINARY_PACKED claims {total} values where at most {maxValues} fit");
        }
        var values = new long[total];
        if (total == 0)
        {
            consumed = pos;
            return values;
        }
        values[0] = first;
        var perMiniblock = (int)(blockSize / miniblocks);
        var deltas = new int[perMiniblock];
        var count = 1;
        var previous = first;
        var widths = new int[(int)miniblocks];
        while (count < values.Length)
        {
            var minDelta = ZigZag(RleBitPackedHybrid.ReadVarint(data, ref pos, what));
            if ((int)miniblocks > data.Length - pos)
            {
                throw new ParquetFormatException($"{what}: DELTA_BINARY_PACKED bit widths are cut off");
            }
            for (var m = 0; m < widths.Length; m++)
            {
                widths[m] = data[pos++];
            }
            for (var m = 0; m < widths.Length && count < values.Length; m++)
            {
                var width = widths[m];
                if (width > 64)
                {
                    throw new ParquetFormatException($"{what}: DELTA_BINARY_PACKED bit width {width} is over 64");
                }
                var bytes = perMiniblock * width / 8;
                if (bytes > data.Length - pos)
                {
                    throw new ParquetFormatException($"{what}: a DELTA_BINARY_PACKED miniblock is cut off");
                }
                var take = Math.Min(perMiniblock, values.Length - count);
                UnpackDeltas(data.Slice(pos, bytes), width, take, minDelta, ref previous, values.AsSpan(count, take));
                count += take;
                pos += bytes;
            }
        }
        consumed = pos;
        return values;
    }

    private static void UnpackDeltas(ReadOnlySpan<byte> data, int width, int take, long minDelta, ref long previous, Span<long> output)
    {
        long bit = 0;
        for (var i = 0; i < take; i++, bit += width)
        {
            ulong delta = 0;
            for (var b = 0; b < width; b++)
            {
                var at = bit + b;
                delta |= (ulong)((data[(int)(at >> 3)] >> (int)(at & 7)) & 1) << b;
            }
            previous = unchecked(previous + minDelta + (long)delta);
            output[i] = previous;
        }
    }

    private static long ZigZag(ulong raw) => (long)(raw >> 1) ^ -(long)(raw & 1);
}
