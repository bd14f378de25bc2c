namespace ToolRL.Tokenization;

/// <summary>
/// Rank-ordered byte-level BPE over token ids: repeatedly merge the adjacent pair with the lowest merge rank
/// (leftmost first on ties), as Hugging Face <c>tokenizers</c>' BPE does with <c>ignore_merges: false</c>
/// (the whole word is never looked up in the vocabulary first, every merge is applied).
/// </summary>
internal sealed class BpeMerger
{
    /// <summary>Words up to this many symbols use the quadratic scan; longer ones a priority queue.</summary>
    private const int QuadraticLimit = 48;

    private readonly PairRankTable _rankOfPair;
    private readonly int[] _resultOfRank;

    /// <summary>Creates the merger from (left id, right id, merged id) triples in rank order.</summary>
    public BpeMerger(IReadOnlyList<(int Left, int Right, int Result)> merges)
    {
        _rankOfPair = new PairRankTable(merges.Count);
        _resultOfRank = new int[merges.Count];
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right, result) = merges[rank];
            // Like tokenizers' merge map, a repeated pair keeps its last rank.
            _rankOfPair.Set(left, right, rank);
            _resultOfRank[rank] = result;
        }
    }

    /// <summary>Number of merges.</summary>
    public int Count => _resultOfRank.Length;

    /// <summary>Merges <paramref name="symbols"/> in place; returns the number of symbols left.</summary>
    public int Merge(Span<int> symbols)
    {
        return symbols.Length <= QuadraticLimit ? MergeByScan(symbols) : MergeByQueue(symbols);
    }

    private bool TryRank(int left, int right, out int rank) => _rankOfPair.TryGet(left, right, out rank);

    private int MergeByScan(Span<int> symbols)
    {
        var count = symbols.Length;
        while (count > 1)
        {
            var bestRank = int.MaxValue;
            var bestPos = -1;
            for (var k = 0; k < count - 1; k++)
            {
                if (TryRank(symbols[k], symbols[k + 1], out var rank) && rank < bestRank)
                {
                    bestRank = rank;
                    bestPos = k;
                }
            }
            if (bestPos < 0)
            {
                break;
            }
            symbols[bestPos] = _resultOfRank[bestRank];
            symbols[(bestPos + 2)..count].CopyTo(symbols[(bestPos + 1)..]);
            count--;
        }
        return count;
    }

    /// <summary>
    /// O(n log n) variant for long words (whitespace or symbol runs): a doubly linked list of symbols and a
    /// min-queue of (rank, position) candidates; stale candidates are skipped when popped.
    /// </summary>
    private int MergeByQueue(Span<int> symbols)
    {
        var n = symbols.Length;
        var ids = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (var k = 0; k < n; k++)
        {
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
            alive[k] = true;
        }
        var queue = new PriorityQueue<(int Left, int Right, int Rank), (int Rank, int Pos)>();
        for (var k = 0; k + 1 < n; k++)
        {
            if (TryRank(ids[k], ids[k + 1], out var rank))
            {
                queue.Enqueue((k, k + 1, rank), (rank, k));
            }
        }
        while (queue.TryDequeue(out var candidate, out _))
        {
            var (left, right, rank) = candidate;
            // Stale if either side was merged away or changed since the candidate was queued.
            if (!alive[left] || !alive[right] || next[left] != right
                || !TryRank(ids[left], ids[right], out var current) || current != rank)
            {
                continue;
            }
            ids[left] = _resultOfRank[rank];
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0 && TryRank(ids[prev[left]], ids[left], out var before))
            {
                queue.Enqueue((prev[left], left, before), (before, prev[left]));
            }
            if (next[left] >= 0 && TryRank(ids[left], ids[next[left]], out var after))
            {
                queue.Enqueue((left, next[left], after), (after, left));
            }
        }
        var count = 0;
        for (var k = 0; k >= 0; k = next[k])
        {
            symbols[count++] = ids[k];
        }
        return count;
    }
}
