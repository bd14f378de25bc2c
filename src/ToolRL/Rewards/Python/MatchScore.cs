namespace ToolRL.Rewards.Python;

/// <summary>
/// The reference's <c>match_score(list1, list2)</c> (rlla.py l.21-40): 1.0 when the lists are equal
/// (ordered), 0.0 under REFINEDREWARD or when either is empty, otherwise the multiset Jaccard index
/// <c>∩ / (|a| + |b| − ∩)</c> with <c>∩ = Σ_k min(count_a[k], count_b[k])</c> (<c>collections.Counter</c>).
/// </summary>
internal static class MatchScore
{
    // Below this size a quadratic count beats hashing; above it a hash table keeps hostile input linear.
    private const int SmallList = 16;

    /// <summary>
    /// <c>match_score</c> over tool names, which may be any JSON value. Null when Python raises: a list or
    /// dict name reaching <c>Counter</c> is unhashable (<c>TypeError</c>).
    /// </summary>
    public static double? OfValues(IReadOnlyList<PyValue> a, IReadOnlyList<PyValue> b, bool refined)
    {
        if (PyEquality.ListsEqual(a, b))
        {
            return 1.0;
        }
        if (refined || a.Count == 0 || b.Count == 0)
        {
            return 0.0;
        }
        if (!AllHashable(a) || !AllHashable(b))
        {
            return null;
        }
        return Jaccard(a, b, PyKeyComparer.Instance);
    }

    /// <summary><c>match_score</c> over dict key lists (always strings, so it cannot raise).</summary>
    public static double OfKeys(ReadOnlySpan<string> a, ReadOnlySpan<string> b, bool refined)
    {
        if (a.SequenceEqual(b))
        {
            return 1.0;
        }
        if (refined || a.Length == 0 || b.Length == 0)
        {
            return 0.0;
        }
        // Dict keys are unique, so each Counter holds 1 per key and ∩ is the number of shared keys.
        var intersection = 0;
        if (a.Length <= SmallList && b.Length <= SmallList)
        {
            foreach (var key in a)
            {
                if (b.Contains(key))
                {
                    intersection++;
                }
            }
        }
        else
        {
            var inB = new HashSet<string>(b.ToArray(), StringComparer.Ordinal);
            foreach (var key in a)
            {
                if (inB.Contains(key))
                {
                    intersection++;
                }
            }
        }
        var maxPossible = a.Length + b.Length - intersection;
        return maxPossible > 0 ? (double)intersection / maxPossible : 0.0;
    }

    /// <summary>
    /// The Jaccard of <c>match_score</c> when the second list is only known by its <see cref="PyKeyComparer"/>
    /// counts and is longer than <paramref name="a"/> (so the lists differ); both hashable and non-empty.
    /// </summary>
    public static double JaccardOfCounts(IReadOnlyList<PyValue> a, IReadOnlyDictionary<PyValue, int> countsB, int countB)
    {
        var intersection = 0;
        for (var i = 0; i < a.Count; i++)
        {
            if (IndexOf(a, a[i], i, PyKeyComparer.Instance) < i)
            {
                continue;
            }
            intersection += Math.Min(CountOf(a, a[i], PyKeyComparer.Instance), countsB.GetValueOrDefault(a[i]));
        }
        var maxPossible = a.Count + countB - intersection;
        return maxPossible > 0 ? (double)intersection / maxPossible : 0.0;
    }

    private static double Jaccard<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, IEqualityComparer<T> comparer)
        where T : notnull
    {
        var intersection = a.Count <= SmallList && b.Count <= SmallList
            ? SmallIntersection(a, b, comparer)
            : HashedIntersection(a, b, comparer);
        var maxPossible = a.Count + b.Count - intersection;
        return maxPossible > 0 ? (double)intersection / maxPossible : 0.0;
    }

    private static int SmallIntersection<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, IEqualityComparer<T> comparer)
    {
        var intersection = 0;
        for (var i = 0; i < a.Count; i++)
        {
            if (IndexOf(a, a[i], i, comparer) < i)
            {
                continue; // this key was counted at its first occurrence
            }
            var inA = CountOf(a, a[i], comparer);
            var inB = CountOf(b, a[i], comparer);
            intersection += Math.Min(inA, inB);
        }
        return intersection;
    }

    private static int HashedIntersection<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, IEqualityComparer<T> comparer)
        where T : notnull
    {
        var countsA = new Dictionary<T, int>(comparer);
        foreach (var item in a)
        {
            countsA[item] = countsA.GetValueOrDefault(item) + 1;
        }
        var countsB = new Dictionary<T, int>(comparer);
        foreach (var item in b)
        {
            countsB[item] = countsB.GetValueOrDefault(item) + 1;
        }
        var intersection = 0;
        foreach (var (key, inA) in countsA)
        {
            if (countsB.TryGetValue(key, out var inB))
            {
                intersection += Math.Min(inA, inB);
            }
        }
        return intersection;
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, T item, int limit, IEqualityComparer<T> comparer)
    {
        for (var i = 0; i < limit; i++)
        {
            if (comparer.Equals(list[i], item))
            {
                return i;
            }
        }
        return limit;
    }

    private static int CountOf<T>(IReadOnlyList<T> list, T item, IEqualityComparer<T> comparer)
    {
        var count = 0;
        foreach (var other in list)
        {
            if (comparer.Equals(other, item))
            {
                count++;
            }
        }
        return count;
    }

    private static bool AllHashable(IReadOnlyList<PyValue> values)
    {
        foreach (var value in values)
        {
            if (value.Kind is PyKind.List or PyKind.Dict)
            {
                return false;
            }
        }
        return true;
    }
}
