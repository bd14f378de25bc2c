namespace ToolRL.Data;

/// <summary>Where an <see cref="EpochIterator"/> stands; save it in a checkpoint to resume mid-epoch.</summary>
/// <param name="Epoch">The 0-based epoch being read.</param>
/// <param name="Position">Rows of this epoch's permutation already handed out.</param>
/// <param name="Seed">The shuffle seed (each epoch's order is a pure function of seed and epoch).</param>
public sealed record EpochIteratorState(int Epoch, int Position, int Seed);

/// <summary>
/// Deterministic shuffled batches of row indices, epoch after epoch. Epoch <c>e</c> uses the permutation
/// <see cref="Permutation"/>(count, seed, e), so a run restored from <see cref="State"/> continues with exactly
/// the batches the uninterrupted run would have produced.
/// </summary>
public sealed class EpochIterator
{
    private int[] _order;

    /// <summary>Creates the iterator, optionally resuming from a saved state.</summary>
    /// <param name="count">Number of rows in the dataset.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <param name="dropLast">Drop the last incomplete batch of each epoch (verl's train loader does).</param>
    /// <param name="shuffle">Shuffle each epoch; false keeps file order (verl's validation loader).</param>
    /// <param name="resume">A saved <see cref="State"/>; its seed must equal <paramref name="seed"/>.</param>
    public EpochIterator(int count, int batchSize, int seed, bool dropLast = true, bool shuffle = true, EpochIteratorState? resume = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (dropLast && batchSize > count)
        {
            throw new ArgumentException($"batch size {batchSize} is larger than the dataset ({count} rows) with dropLast; no batch could be made", nameof(batchSize));
        }
        Count = count;
        BatchSize = batchSize;
        DropLast = dropLast;
        Shuffle = shuffle;
        var state = resume ?? new EpochIteratorState(0, 0, seed);
        if (state.Seed != seed || state.Epoch < 0 || state.Position < 0 || state.Position > count)
        {
            throw new ArgumentException($"cannot resume from {state} with seed {seed} over {count} rows", nameof(resume));
        }
        State = state;
        _order = Order(state.Epoch);
    }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether the last incomplete batch of an epoch is dropped.</summary>
    public bool DropLast { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>The current position; restore it with the constructor's <c>resume</c> argument.</summary>
    public EpochIteratorState State { get; private set; }

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The next batch of row indices, moving to the next epoch when this one is used up.</summary>
    public IReadOnlyList<int> NextBatch()
    {
        var remaining = Count - State.Position;
        if (remaining == 0 || (DropLast && remaining < BatchSize))
        {
            State = State with { Epoch = State.Epoch + 1, Position = 0 };
            _order = Order(State.Epoch);
            remaining = Count;
        }
        var size = Math.Min(BatchSize, remaining);
        var batch = _order.AsSpan(State.Position, size).ToArray();
        State = State with { Position = State.Position + size };
        return batch;
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a pure function of (count, seed, epoch).</summary>
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new SeededRandom(seed, stream: epoch + 1).Shuffle(order);
        return order;
    }

    private int[] Order(int epoch) => Shuffle ? Permutation(Count, State.Seed, epoch) : Enumerable.Range(0, Count).ToArray();
}
