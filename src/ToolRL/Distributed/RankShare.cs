using ToolRL.Torch.Distributed;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>How work is split over ranks, and how per-rank partial sums are combined.</summary>
public static class RankShare
{
    /// <summary>
    /// The first index and the count of rank <paramref name="rank"/>'s share of <paramref name="total"/> items:
    /// contiguous, as even as possible, lower ranks taking the remainder (prompts: a rank samples a contiguous block).
    /// </summary>
    public static (int Start, int Count) Of(int total, int rank, int worldSize)
    {
        var (start, count) = Of((long)total, rank, worldSize);
        return ((int)start, (int)count);
    }

    /// <summary>The first index and the count of rank <paramref name="rank"/>'s share of <paramref name="total"/> items (ZeRO-1's flat elements).</summary>
    public static (long Start, long Count) Of(long total, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var baseCount = total / worldSize;
        var extra = total % worldSize;
        var start = rank * baseCount + Math.Min(rank, extra);
        return (start, baseCount + (rank < extra ? 1 : 0));
    }

    /// <summary>
    /// The indices of the items rank <paramref name="group"/>.Rank runs, dealt round robin (item k to rank k mod N); all
    /// of them without a group. Micro-batches are dealt this way, so every rank has work while there are N of them.
    /// </summary>
    public static IReadOnlyList<int> RoundRobin(int count, ProcessGroup? group) =>
        group is null ? Enumerable.Range(0, count).ToArray() : Enumerable.Range(0, count).Where(k => k % group.WorldSize == group.Rank).ToArray();

    /// <summary>Sums per-rank partial sums (losses, token counts) over the ranks, in place (nothing without a group).</summary>
    public static void Sum(ProcessGroup? group, double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (group is not { WorldSize: > 1 })
        {
            return;
        }
        using var scope = NewScope();
        var t = FromArray(values);
        group.AllReduce(t);
        t.ToArray<double>().CopyTo(values, 0);
    }
}
