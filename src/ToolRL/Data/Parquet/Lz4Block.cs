namespace ToolRL.Data.Parquet;

/// <summary>
/// Decodes one LZ4 block (the LZ4_RAW codec): sequences of a token, literals and a back-reference, as the
/// LZ4 block format description defines them. Every copy is bounds-checked against input and output.
/// </summary>
internal static class Lz4Block
{
    public static byte[] Decode(ReadOnlySpan<byte> input, int size, string column)
    {
        var output = new byte[size];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            var token = input[ip++];
            var literals = ReadLength(input, ref ip, token >> 4, column);
            if (literals > input.Length - ip || literals > size - op)
            {
                throw Corrupt(column, "a literal run overflows the page");
            }
            input.Slice(ip, literals).CopyTo(output.AsSpan(op));
            ip += literals;
            op += literals;
            if (ip == input.Length)
            {
                break; // the last sequence has literals only
            }
            if (input.Length - ip < 2)
            {
                throw Corrupt(column, "a match offset is cut off");
            }
            var offset = input[ip] | (input[ip + 1] << 8);
            ip += 2;
            var matchLength = ReadLength(input, ref ip, token & 0x0F, column) + 4;
            if (offset == 0 || offset > op || matchLength > size - op)
            {
                throw Corrupt(column, "a match points outside the output");
            }
            // Byte by byte: matches may overlap their own output (run-length style).
            for (var i = 0; i < matchLength; i++, op++)
            {
                output[op] = output[op - offset];
            }
        }
        if (op != size)
        {
            throw Corrupt(column, $"decodes to {op} bytes but the header says {size}");
        }
        return output;
    }

    private static int ReadLength(ReadOnlySpan<byte> input, ref int ip, int nibble, string column)
    {
        var length = nibble;
        if (nibble == 15)
        {
            byte b;
            do
            {
                if (ip >= input.Length)
                {
                    throw Corrupt(column, "a length is cut off");
                }
                b = input[ip++];
                length += b;
                if (length > int.MaxValue / 2)
                {
                    throw Corrupt(column, "a length is out of range");
                }
            }
            while (b == 255);
        }
        return length;
    }

    private static ParquetFormatException Corrupt(string column, string detail) =>
        new($"column '{column}': corrupt LZ4_RAW page: {detail}");
}
