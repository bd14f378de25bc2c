namespace ToolRL.Rewards.Python;

/// <summary>
/// Python dict-key semantics for hashable values (identity first, then <c>==</c>; 1, 1.0 and True are one
/// key), as <c>collections.Counter</c> uses them. Lists and dicts are unhashable in Python: callers check.
/// </summary>
internal sealed class PyKeyComparer : IEqualityComparer<PyValue>
{
    public static readonly PyKeyComparer Instance = new();

    public bool Equals(PyValue? x, PyValue? y) => PyEquality.Equal(x!, y!, inContainer: true);

    public int GetHashCode(PyValue value) => PyEquality.TryHash(value, out var hash) ? hash : 0;
}
