namespace ToolRL.Distributed;

/// <summary>How a batch of items is split over ranks: contiguous, as even as possible, lower ranks taking the remainder.</summary>
public static class RankShare
{
    /// <summary>The first index and the count of rank <paramref name="rank"/>'s share of <paramref name="total"/> items.</summary>
    public static (int Start, int Count) Of(int total, int rank, int worldSize)
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
}
