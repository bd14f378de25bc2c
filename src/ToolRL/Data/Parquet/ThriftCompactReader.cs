using System.Buffers.Binary;


namespace ToolRL.Data.Parquet;

/// <summary>Thrift compact-protocol field and element types (Thrift spec, "compact protocol").</summary>
internal enum ThriftType : byte
{
    Stop = 0,
    BoolTrue = 1,
    BoolFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>
/// Reads Thrift compact-protocol values from a bounded buffer. Every read is checked against the end of the
/// buffer and every collection size against the bytes left, so corrupt metadata fails fast instead of
/// allocating or looping without bound.
/// </summary>
internal sealed class ThriftCompactReader
{
    private const int MaxDepth = 64;
    private readonly byte[] _buffer;
    private readonly int _end;
    private readonly string _what;
    private int _depth;

    public ThriftCompactReader(byte[] buffer, int start, int end, string what)
    {
        _buffer = buffer;
        Position = start;
        _end = end;
        _what = what;
    }

    public int Position { get; private set; }

    /// <summary>Reads the next field header of the current struct; returns false at its stop byte.</summary>
    public bool NextField(ref short lastFieldId, out short fieldId, out ThriftType type)
    {
        var header = ReadByte();
        type = (ThriftType)(header & 0x0F);
        if (type == ThriftType.Stop)
        {
            fieldId = 0;
            return false;
        }
        var delta = header >> 4;
        fieldId = delta != 0 ? (short)(lastFieldId + delta) : (short)ReadZigZag32();
        lastFieldId = fieldId;
        if (type > ThriftType.Struct)
        {
            throw Corrupt($"unknown field type {(int)type}");
        }
        return true;
    }

    public byte ReadByte()
    {
        if (Position >= _end)
        {
            throw Corrupt("ends in the middle of a value");
        }
        return _buffer[Position++];
    }

    public bool ReadBool(ThriftType type) => type switch
    {
        ThriftType.BoolTrue => true,
        ThriftType.BoolFalse => false,
        _ => throw Corrupt($"expected a boolean field, found type {type}"),
    };

    public int ReadI32() => ReadZigZag32();

    public long ReadI64()
    {
        var raw = ReadVarint64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public double ReadDouble()
    {
        var bytes = Take(8);
        return BinaryPrimitives.ReadDoubleLittleEndian(bytes);
    }

    public ReadOnlySpan<byte> ReadBinary()
    {
        var length = ReadVarint64();
        if (length > (ulong)(_end - Position))
        {
            throw Corrupt($"a {length}-byte string runs past the end ({_end - Position} bytes left)");
        }
        return Take((int)length);
    }

    public string ReadString()
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(ReadBinary());
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new ParquetFormatException($"{_what}: a string is not valid UTF-8", e);
        }
    }

    /// <summary>Reads a list or set header; the size is checked against the bytes left (each element takes at least one byte).</summary>
    public (ThriftType ElementType, int Count) ReadListHeader()
    {
        var header = ReadByte();
        var count = (ulong)(header >> 4);
        if (count == 15)
        {
            count = ReadVarint64();
        }
        var elementType = (ThriftType)(header & 0x0F);
        if (count > (ulong)(_end - Position))
        {
            throw Corrupt($"a list claims {count} elements but only {_end - Position} bytes are left");
        }
        return (elementType, (int)count);
    }

    /// <summary>Reads a list element that is a boolean (compact lists store each as one byte).</summary>
    public bool ReadListBool() => ReadByte() == 1;

    /// <summary>Runs <paramref name="readField"/> for every field of a struct; it must consume the field or call <see cref="Skip"/>.</summary>
    public void ReadStruct(Action<short, ThriftType> readField)
    {
        if (++_depth > MaxDepth)
        {
            throw Corrupt($"structs nest deeper than {MaxDepth}");
        }
        short last = 0;
        while (NextField(ref last, out var id, out var type))
        {
            readField(id, type);
        }
        _depth--;
    }

    /// <summary>Skips a value of any type (unknown fields are legal: newer writers add fields).</summary>
    public void Skip(ThriftType type)
    {
        switch (type)
        {
            case ThriftType.BoolTrue or ThriftType.BoolFalse:
                break;
            case ThriftType.Byte:
                ReadByte();
                break;
            case ThriftType.I16 or ThriftType.I32 or ThriftType.I64:
                ReadVarint64();
                break;
            case ThriftType.Double:
                Take(8);
                break;
            case ThriftType.Binary:
                ReadBinary();
                break;
            case ThriftType.List or ThriftType.Set:
                var (elementType, count) = ReadListHeader();
                for (var i = 0; i < count; i++)
                {
                    SkipElement(elementType);
                }
                break;
            case ThriftType.Map:
                SkipMap();
                break;
            case ThriftType.Struct:
                ReadStruct((_, fieldType) => Skip(fieldType));
                break;
            default:
                throw Corrupt($"cannot skip a value of type {(int)type}");
        }
    }

    private void SkipElement(ThriftType type)
    {
        if (type is ThriftType.BoolTrue or ThriftType.BoolFalse)
        {
            ReadByte();
        }
        else
        {
            Skip(type);
        }
    }

    private void SkipMap()
    {
        var count = ReadVarint64();
        if (count == 0)
        {
            return;
        }
        if (count > (ulong)(_end - Position))
        {
            throw Corrupt($"a map claims {count} entries but only {_end - Position} bytes are left");
        }
        var types = ReadByte();
        for (var i = 0UL; i < count; i++)
        {
            SkipElement((ThriftType)(types >> 4));
            SkipElement((ThriftType)(types & 0x0F));
        }
    }

    private int ReadZigZag32()
    {
        var raw = ReadVarint64();
        if (raw > uint.MaxValue)
        {
            throw Corrupt("a 32-bit integer is out of range");
        }
        var value = (uint)raw;
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    private ulong ReadVarint64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw Corrupt("a varint is longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _end - Position)
        {
            throw Corrupt("ends in the middle of a value");
        }
        var span = _buffer.AsSpan(Position, count);
        Position += count;
        return span;
    }

    private ParquetFormatException Corrupt(string detail) =>
        new($"{_what} is corrupt: {detail} (at byte {Position})");
}
