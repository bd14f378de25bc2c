namespace ToolRL.Torch.IO;

/// <summary>Safetensors dtype codes ↔ <see cref="DType"/>.</summary>
internal static class SafetensorsDTypes
{
    private static readonly (string Code, DType DType)[] Table =
    [
        ("F32", DType.Float32), ("F64", DType.Float64), ("BF16", DType.BFloat16), ("F16", DType.Float16),
        ("I64", DType.Int64), ("I32", DType.Int32), ("U8", DType.UInt8), ("BOOL", DType.Bool),
    ];

    internal static bool TryParse(string code, out DType dtype)
    {
        foreach (var (c, d) in Table)
        {
            if (c == code)
            {
                dtype = d;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    internal static string Code(DType dtype) => Table.First(t => t.DType == dtype).Code;

    internal static string Supported => string.Join(", ", Table.Select(t => t.Code));
}
