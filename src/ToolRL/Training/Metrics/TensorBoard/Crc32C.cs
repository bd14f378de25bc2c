using System.Buffers.Binary;
using System.Numerics;

namespace ToolRL.Training.Metrics.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; RFC 3720 §B.4), the checksum of TFRecord framing, and
/// TensorFlow's masked form. <see cref="BitOperations.Crc32C(uint, ulong)"/> is the SSE4.2/ARMv8 instruction where
/// the CPU has it (software otherwise); System.IO.Hashing offers only CRC-32 (IEEE) and CRC-64.
/// </summary>
internal static class Crc32C
{
    /// <summary>TensorFlow's mask delta (tensorflow/core/lib/hash/crc32c.h).</summary>
    private const uint MaskDelta = 0xa282ead8;

    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return ~crc;
    }

    /// <summary>
    /// TensorFlow's masked CRC, stored in TFRecord files because a CRC of data that itself holds CRCs is weak:
    /// rotate right by 15 bits and add 0xa282ead8.
    /// </summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    /// <summary>The masked CRC-32C of <paramref name="data"/>.</summary>
    public static uint Masked(ReadOnlySpan<byte> data) => Mask(Compute(data));
}
