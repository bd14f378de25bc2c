namespace ToolRL.Torch;

/// <summary>Element types of a <see cref="Tensor"/> (the order is the bridge's dtype code).</summary>
public enum DType
{
    /// <summary>32-bit IEEE float (<see cref="float"/>).</summary>
    Float32 = 0,
    /// <summary>64-bit IEEE float (<see cref="double"/>).</summary>
    Float64 = 1,
    /// <summary>bfloat16: float32's exponent with a 7-bit mantissa (no .NET type; read it as float32).</summary>
    BFloat16 = 2,
    /// <summary>IEEE half precision (<see cref="Half"/>).</summary>
    Float16 = 3,
    /// <summary>64-bit signed integer (<see cref="long"/>); the index type.</summary>
    Int64 = 4,
    /// <summary>32-bit signed integer (<see cref="int"/>).</summary>
    Int32 = 5,
    /// <summary>8-bit unsigned integer (<see cref="byte"/>).</summary>
    UInt8 = 6,
    /// <summary>Boolean, one byte per element (<see cref="bool"/>).</summary>
    Bool = 7,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        DType.BFloat16 or DType.Float16 => 2,
        DType.UInt8 or DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Whether the type is a floating-point type (the only ones that can require gradients).</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float32 or DType.Float64 or DType.BFloat16 or DType.Float16;

    /// <summary>The dtype that holds elements of the .NET type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged => DTypeOf<T>.Value;

    private static class DTypeOf<T> where T : unmanaged
    {
        internal static readonly DType Value =
            typeof(T) == typeof(float) ? DType.Float32 :
            typeof(T) == typeof(double) ? DType.Float64 :
            typeof(T) == typeof(Half) ? DType.Float16 :
            typeof(T) == typeof(long) ? DType.Int64 :
            typeof(T) == typeof(int) ? DType.Int32 :
            typeof(T) == typeof(byte) ? DType.UInt8 :
            typeof(T) == typeof(bool) ? DType.Bool :
            throw new NotSupportedException(
                $"no tensor dtype holds {typeof(T).Name}; use float, double, Half, long, int, byte or bool (bfloat16 data: convert to float32)");
    }
}
