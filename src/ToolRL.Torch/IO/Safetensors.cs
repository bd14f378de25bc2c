using System.Buffers.Binary;
using System.Text.Json;

namespace ToolRL.Torch.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face checkpoints): single files and sharded checkpoints
/// (<c>model.safetensors.index.json</c>). Headers are fully validated before tensor memory is allocated, and
/// tensor bytes are read straight into the new tensors' storage (no intermediate copy).
/// </summary>
public static class Safetensors
{
    /// <summary>The file name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The file name of a sharded checkpoint's index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Reads and validates the header of <paramref name="path"/> without loading tensors.</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var file = OpenRead(path);
        return SafetensorsHeaderReader.Read(path, file);
    }

    /// <summary>
    /// Loads every tensor of <paramref name="path"/> (to <paramref name="device"/> and converted to
    /// <paramref name="dtype"/> when given). The tensors belong to the caller (and its current scope).
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> Load(string path, Device? device = null, DType? dtype = null)
    {
        using var file = OpenRead(path);
        var header = SafetensorsHeaderReader.Read(path, file);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Entries)
            {
                result.Add(entry.Name, ReadTensor(path, file, header.DataStart, entry, device, dtype));
            }
        }
        catch
        {
            foreach (var t in result.Values)
            {
                t.Dispose();
            }
            throw;
        }
        return result;
    }

    /// <summary>
    /// Loads a Hugging Face checkpoint folder: every shard listed in <c>model.safetensors.index.json</c> when
    /// present (checking that each indexed tensor is in its shard), else <c>model.safetensors</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> LoadCheckpoint(string folder, Device? device = null, DType? dtype = null)
    {
        var index = Path.Combine(folder, IndexFileName);
        if (!File.Exists(index))
        {
            var single = Path.Combine(folder, SingleFileName);
            return File.Exists(single)
                ? Load(single, device, dtype)
                : throw new FileNotFoundException($"{folder} holds neither {SingleFileName} nor {IndexFileName}", single);
        }
        var weightMap = ReadIndex(index);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                foreach (var (name, tensor) in Load(Path.Combine(folder, shard), device, dtype))
                {
                    if (!result.TryAdd(name, tensor))
                    {
                        tensor.Dispose();
                        throw new SafetensorsFormatException(Path.Combine(folder, shard), name, "appears in more than one shard");
                    }
                }
            }
            foreach (var (name, shard) in weightMap)
            {
                if (!result.ContainsKey(name))
                {
                    throw new SafetensorsFormatException(index, name, $"is mapped to shard '{shard}' but that shard does not contain it");
                }
            }
        }
        catch
        {
            foreach (var t in result.Values)
            {
                t.Dispose();
            }
            throw;
        }
        return result;
    }

    private static Dictionary<string, string> ReadIndex(string index)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(index));
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(index, null, $"index is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(index, null, "index has no 'weight_map' object");
            }
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                var shard = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : "";
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new SafetensorsFormatException(index, p.Name, $"weight_map entry must be a plain file name in the same folder, found {p.Value.GetRawText()}");
                }
                result[p.Name] = shard;
            }
            return result;
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);

    private static unsafe Tensor ReadTensor(string path, FileStream file, long dataStart, SafetensorsEntry entry, Device? device, DType? dtype)
    {
        var cpu = new Tensor(Native.NativeMethods.Check(EmptyHandle(entry)), scoped: false);
        try
        {
            var destination = (byte*)cpu.DataPointer();
            var remaining = entry.ByteLength;
            var offset = dataStart + entry.Begin;
            while (remaining > 0)
            {
                var chunk = (int)Math.Min(remaining, 1 << 30);
                var read = RandomAccess.Read(file.SafeFileHandle, new Span<byte>(destination, chunk), offset);
                if (read <= 0)
                {
                    throw new SafetensorsFormatException(path, entry.Name, "file ended while reading the tensor's bytes");
                }
                destination += read;
                offset += read;
                remaining -= read;
            }
            var target = device ?? Device.Cpu;
            var wantType = dtype is { } d && entry.DType.IsFloatingPoint() ? d : entry.DType;
            if (target == Device.Cpu && wantType == entry.DType)
            {
                TensorScope.Register(cpu);
                return cpu;
            }
            using (cpu)
            {
                return cpu.To(wantType, target);
            }
        }
        catch
        {
            cpu.Dispose();
            throw;
        }
    }

    private static unsafe IntPtr EmptyHandle(SafetensorsEntry entry)
    {
        fixed (long* shape = entry.Shape)
        {
            return Native.NativeMethods.trl_full(shape, entry.Shape.Length, (int)Native.FillKind.Empty, 0, (int)entry.DType, 0, 0, 0);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any layout) to <paramref name="path"/> in name order, with
    /// optional string <paramref name="metadata"/>. The header is padded to 8 bytes as the reference writer does.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            var dt = t.DType;
            var bytes = t.NumEl * dt.ElementSize();
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = SafetensorsDTypes.Code(dt),
                ["shape"] = t.Shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, file =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
            file.Write(prefix);
            file.Write(json);
            for (var i = json.Length; i < padded; i++)
            {
                file.WriteByte((byte)' ');
            }
            foreach (var name in names)
            {
                WriteTensor(file, tensors[name]);
            }
        });
    }

    private static unsafe void WriteTensor(Stream file, Tensor tensor)
    {
        using var noGrad = torch.NoGrad();
        using var detached = new Tensor(Native.NativeMethods.Check(Native.NativeMethods.trl_to(tensor.Handle, -1, 0, 0, 0)), scoped: false);
        using var dense = new Tensor(Native.NativeMethods.Check(Native.NativeMethods.trl_unary(detached.Handle, (int)Native.Unary.Contiguous)), scoped: false);
        GC.KeepAlive(tensor);
        var remaining = dense.NumEl * dense.DType.ElementSize();
        var source = (byte*)dense.DataPointer();
        while (remaining > 0)
        {
            var chunk = (int)Math.Min(remaining, 1 << 30);
            file.Write(new ReadOnlySpan<byte>(source, chunk));
            source += chunk;
            remaining -= chunk;
        }
    }

}
