using System.Buffers.Binary;
using System.Text.Json;

namespace ToolRL.Torch.IO;

/// <summary>
/// Reads and validates a safetensors header (format: u64 little-endian header length N, N bytes of JSON, then
/// the data section). Everything is checked before any tensor memory is allocated: header length against a
/// limit and the file size, JSON shape, known dtypes, non-negative shapes without overflow, byte size =
/// elements × element size, offsets inside the data section, no overlaps and no holes (the data section must
/// be fully covered, as the reference implementation requires).
/// </summary>
internal static class SafetensorsHeaderReader
{
    /// <summary>Largest accepted header: the reference implementation's 100 MB limit.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    internal static SafetensorsHeader Read(string path, FileStream file)
    {
        var fileLength = file.Length;
        if (fileLength < 8)
        {
            throw new SafetensorsFormatException(path, null, $"file is {fileLength} bytes, shorter than the 8-byte header length prefix (truncated?)");
        }
        Span<byte> prefix = stackalloc byte[8];
        file.Position = 0;
        file.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafetensorsFormatException(path, null, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit (corrupt or not a safetensors file)");
        }
        if ((long)headerLength > fileLength - 8)
        {
            throw new SafetensorsFormatException(path, null, $"header length {headerLength} runs past the end of the {fileLength}-byte file (truncated?)");
        }
        var json = new byte[headerLength];
        file.ReadExactly(json);
        var dataStart = 8 + (long)headerLength;
        return Parse(path, json, dataStart, fileLength - dataStart);
    }

    private static SafetensorsHeader Parse(string path, byte[] json, long dataStart, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, null, $"header JSON must be an object, found {doc.RootElement.ValueKind}");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }
                entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }
            CheckLayout(path, entries, dataLength);
            return new SafetensorsHeader(entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, null, "__metadata__ must be an object of strings");
        }
        foreach (var m in value.EnumerateObject())
        {
            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                ? m.Value.GetString()!
                : throw new SafetensorsFormatException(path, null, $"__metadata__ value '{m.Name}' must be a string");
        }
    }

    private static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, name, "entry must be an object with dtype, shape and data_offsets");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(path, name, "missing string 'dtype'");
        }
        var code = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(code, out var dtype))
        {
            throw new SafetensorsFormatException(path, name, $"unsupported dtype '{code}' (supported: {SafetensorsDTypes.Supported})");
        }
        var shape = ReadLongArray(path, name, value, "shape");
        var offsets = ReadLongArray(path, name, value, "data_offsets");
        if (offsets.Length != 2)
        {
            throw new SafetensorsFormatException(path, name, $"data_offsets must be [begin, end], found {offsets.Length} numbers");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
        {
            throw new SafetensorsFormatException(path, name, $"data_offsets [{begin}, {end}] end before they begin");
        }
        if (end > dataLength)
        {
            throw new SafetensorsFormatException(path, name, $"data_offsets [{begin}, {end}] run past the {dataLength}-byte data section (truncated file?)");
        }
        long bytes = dtype.ElementSize();
        try
        {
            foreach (var s in shape)
            {
                bytes = checked(bytes * s);
            }
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(path, name, $"shape [{string.Join(", ", shape)}] is too large");
        }
        if (bytes != end - begin)
        {
            throw new SafetensorsFormatException(path, name,
                $"shape [{string.Join(", ", shape)}] of {code} needs {bytes} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadLongArray(string path, string name, JsonElement value, string field)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, name, $"missing array '{field}'");
        }
        var result = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
            {
                throw new SafetensorsFormatException(path, name, $"'{field}' must hold non-negative integers, found {item.GetRawText()}");
            }
            result[i++] = v;
        }
        return result;
    }

    /// <summary>Sorted by offset, each tensor must start where the previous one ended, and the last end the data section.</summary>
    private static void CheckLayout(string path, List<SafetensorsEntry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < expected)
            {
                throw new SafetensorsFormatException(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous}' (which ends at {expected})");
            }
            if (e.Begin > expected)
            {
                throw new SafetensorsFormatException(path, e.Name, $"data_offsets begin at {e.Begin} but the previous tensor ends at {expected}: a hole in the data section");
            }
            expected = e.End;
            previous = e.Name;
        }
        if (expected != dataLength)
        {
            throw new SafetensorsFormatException(path, previous, $"tensors cover {expected} bytes but the data section has {dataLength} (wrong sizes or trailing bytes)");
        }
    }
}
