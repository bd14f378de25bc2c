using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>Every rank's byte payload to every rank (an all-gather of variable-length data: lengths first, then padded bytes).</summary>
public static class ByteExchange
{
    /// <summary>Returns the payloads of ranks 0..WorldSize-1, in rank order (this rank's included).</summary>
    public static byte[][] AllGather(ProcessGroup group, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(payload);
        using var scope = NewScope();
        var lengths = group.AllGather(FromArray([(long)payload.Length])).ToArray<long>();
        var width = Math.Max(1, lengths.Max());
        var padded = new byte[width];
        payload.CopyTo(padded, 0);
        var all = group.AllGather(FromArray(padded)).ToArray<byte>();
        return lengths.Select((length, rank) => all.AsSpan((int)(rank * width), (int)length).ToArray()).ToArray();
    }
}
