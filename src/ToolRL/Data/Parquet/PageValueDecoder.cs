using System.Buffers.Binary;

namespace ToolRL.Data.Parquet;

/// <summary>Decodes the value section of a data page for every supported encoding, converting each value.</summary>
internal static class PageValueDecoder
{
    public static void Decode(
        ReadOnlySpan<byte> data, Encoding encoding, int count, SchemaNode leaf, ValueConverter converter, object[]? dictionary, List<object> output)
    {
        var column = leaf.Path;
        switch (encoding)
        {
            case Encoding.Plain:
                DecodePlain(data, count, leaf, converter, output);
                break;
            case Encoding.PlainDictionary or Encoding.RleDictionary:
                DecodeDictionary(data, count, column, dictionary, output);
                break;
            case Encoding.Rle when leaf.Element.Type == PhysicalType.Boolean:
                // Booleans in RLE carry a 4-byte length prefix, then the hybrid encoding with bit width 1.
                var bits = new int[count];
                RleBitPackedHybrid.Decode(SkipLengthPrefix(data, column), 1, bits, $"column '{column}' booleans");
                foreach (var bit in bits)
                {
                    output.Add(converter.FromBoolean(bit != 0));
                }
                break;
            case Encoding.DeltaBinaryPacked:
                var ints = DeltaBinaryPacked.Decode(data, count, $"column '{column}'", out _);
                CheckCount(ints.Length, count, column);
                foreach (var v in ints)
                {
                    output.Add(leaf.Element.Type == PhysicalType.Int32 ? converter.FromInt32((int)v) : converter.FromInt64(v));
                }
                break;
            case Encoding.DeltaLengthByteArray:
                DecodeDeltaLength(data, count, column, converter, output);
                break;
            case Encoding.DeltaByteArray:
                DecodeDeltaByteArray(data, count, column, converter, output);
                break;
            case Encoding.ByteStreamSplit:
                DecodeByteStreamSplit(data, count, leaf, converter, output);
                break;
            default:
                throw new ParquetFormatException($"unsupported encoding {encoding} for {leaf.Element.Type} in column '{column}'");
        }
    }

    public static object[] DecodeDictionaryPage(ReadOnlySpan<byte> data, int count, SchemaNode leaf, ValueConverter converter)
    {
        var values = new List<object>(count);
        DecodePlain(data, count, leaf, converter, values);
        return [.. values];
    }

    private static void DecodePlain(ReadOnlySpan<byte> data, int count, SchemaNode leaf, ValueConverter converter, List<object> output)
    {
        var column = leaf.Path;
        var type = leaf.Element.Type!.Value;
        var width = type switch
        {
            PhysicalType.Int32 or PhysicalType.Float => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            PhysicalType.Int96 => 12,
            PhysicalType.FixedLenByteArray => leaf.Element.TypeLength,
            _ => 0,
        };
        if (type == PhysicalType.Boolean)
        {
            if ((count + 7) / 8 > data.Length)
            {
                throw Short(column, count);
            }
            for (var i = 0; i < count; i++)
            {
                output.Add(converter.FromBoolean(((data[i >> 3] >> (i & 7)) & 1) != 0));
            }
            return;
        }
        if (type == PhysicalType.ByteArray)
        {
            var pos = 0;
            for (var i = 0; i < count; i++)
            {
                if (data.Length - pos < 4)
                {
                    throw Short(column, count);
                }
                var length = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
                pos += 4;
                if (length < 0 || length > data.Length - pos)
                {
                    throw new ParquetFormatException($"column '{column}': value {i} claims {length} bytes but {data.Length - pos} are left in the page");
                }
                output.Add(converter.FromBytes(data.Slice(pos, length)));
                pos += length;
            }
            return;
        }
        if (width <= 0 || (long)width * count > data.Length)
        {
            throw Short(column, count);
        }
        for (var i = 0; i < count; i++)
        {
            var slice = data.Slice(i * width, width);
            output.Add(type switch
            {
                PhysicalType.Int32 => converter.FromInt32(BinaryPrimitives.ReadInt32LittleEndian(slice)),
                PhysicalType.Int64 => converter.FromInt64(BinaryPrimitives.ReadInt64LittleEndian(slice)),
                PhysicalType.Float => converter.FromFloat(BinaryPrimitives.ReadSingleLittleEndian(slice)),
                PhysicalType.Double => converter.FromDouble(BinaryPrimitives.ReadDoubleLittleEndian(slice)),
                PhysicalType.Int96 => converter.FromInt96(slice),
                _ => converter.FromBytes(slice),
            });
        }
    }

    private static void DecodeDictionary(ReadOnlySpan<byte> data, int count, string column, object[]? dictionary, List<object> output)
    {
        if (dictionary is null)
        {
            throw new ParquetFormatException($"column '{column}': a dictionary-encoded page comes before any dictionary page");
        }
        if (count == 0)
        {
            return;
        }
        if (data.Length == 0)
        {
            throw Short(column, count);
        }
        var indices = new int[count];
        RleBitPackedHybrid.Decode(data[1..], data[0], indices, $"column '{column}' dictionary indices");
        foreach (var index in indices)
        {
            if ((uint)index >= (uint)dictionary.Length)
            {
                throw new ParquetFormatException($"column '{column}': dictionary index {index} is out of range (dictionary has {dictionary.Length} entries)");
            }
            output.Add(dictionary[index]);
        }
    }

    private static void DecodeDeltaLength(ReadOnlySpan<byte> data, int count, string column, ValueConverter converter, List<object> output)
    {
        var lengths = DeltaBinaryPacked.Decode(data, count, $"column '{column}' lengths", out var pos);
        CheckCount(lengths.Length, count, column);
        foreach (var length in lengths)
        {
            if (length < 0 || length > data.Length - pos)
            {
                throw new ParquetFormatException($"column '{column}': a value claims {length} bytes but {data.Length - pos} are left in the page");
            }
            output.Add(converter.FromBytes(data.Slice(pos, (int)length)));
            pos += (int)length;
        }
    }

    private static void DecodeDeltaByteArray(ReadOnlySpan<byte> data, int count, string column, ValueConverter converter, List<object> output)
    {
        var prefixes = DeltaBinaryPacked.Decode(data, count, $"column '{column}' prefix lengths", out var pos);
        var lengths = DeltaBinaryPacked.Decode(data[pos..], count, $"column '{column}' suffix lengths", out var used);
        pos += used;
        CheckCount(prefixes.Length, count, column);
        CheckCount(lengths.Length, count, column);
        var previous = Array.Empty<byte>();
        for (var i = 0; i < count; i++)
        {
            var prefix = prefixes[i];
            var length = lengths[i];
            if (prefix < 0 || prefix > previous.Length || length < 0 || length > data.Length - pos)
            {
                throw new ParquetFormatException($"column '{column}': DELTA_BYTE_ARRAY value {i} has prefix {prefix} / suffix {length} out of range");
            }
            var value = new byte[prefix + length];
            previous.AsSpan(0, (int)prefix).CopyTo(value);
            data.Slice(pos, (int)length).CopyTo(value.AsSpan((int)prefix));
            pos += (int)length;
            output.Add(converter.FromBytes(value));
            previous = value;
        }
    }

    private static void DecodeByteStreamSplit(ReadOnlySpan<byte> data, int count, SchemaNode leaf, ValueConverter converter, List<object> output)
    {
        var type = leaf.Element.Type!.Value;
        var width = type switch
        {
            PhysicalType.Int32 or PhysicalType.Float => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            PhysicalType.FixedLenByteArray => leaf.Element.TypeLength,
            _ => throw new ParquetFormatException($"BYTE_STREAM_SPLIT is not defined for {type} (column '{leaf.Path}')"),
        };
        if ((long)width * count > data.Length)
        {
            throw Short(leaf.Path, count);
        }
        // Byte k of value i sits in stream k at position i.
        var joined = new byte[width * count];
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < width; k++)
            {
                joined[i * width + k] = data[k * count + i];
            }
        }
        DecodePlain(joined, count, leaf, converter, output);
    }

    private static ReadOnlySpan<byte> SkipLengthPrefix(ReadOnlySpan<byte> data, string column)
    {
        if (data.Length < 4)
        {
            throw Short(column, 1);
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (length < 0 || length > data.Length - 4)
        {
            throw new ParquetFormatException($"column '{column}': an RLE section claims {length} bytes but {data.Length - 4} are left");
        }
        return data.Slice(4, length);
    }

    internal static ReadOnlySpan<byte> LengthPrefixed(ReadOnlySpan<byte> data, string column, out int consumed)
    {
        var section = SkipLengthPrefix(data, column);
        consumed = 4 + section.Length;
        return section;
    }

    private static void CheckCount(int actual, int expected, string column)
    {
        if (actual != expected)
        {
            throw new ParquetFormatException($"column '{column}': the page encodes {actual} values but its levels need {expected}");
        }
    }

    private static ParquetFormatException Short(string column, int count) =>
        new($"column '{column}': the page is too short for its {count} values (truncated or corrupt)");
}
