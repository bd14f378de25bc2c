namespace ToolRL.Rewards.Python;

/// <summary>
/// A Python <c>dict</c> as <c>json.loads</c> builds it: keys in first-occurrence order, and a repeated key
/// keeps its first position but takes the LAST value (<c>dict(pairs)</c>). Key order matters to the reward
/// because <c>list(params.keys())</c> is compared with order-sensitive list equality.
/// </summary>
internal sealed class PyDict
{
    // Linear search is fastest for the handful of keys a tool call has; an index is built for big objects
    // so that a hostile response with a million keys stays linear.
    private const int IndexThreshold = 12;

    private readonly List<string> _keys = [];
    private readonly List<PyValue> _values = [];
    private Dictionary<string, int>? _index;

    /// <summary>The number of distinct keys.</summary>
    public int Count => _keys.Count;

    /// <summary>The keys in insertion (first-occurrence) order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The values, aligned with <see cref="Keys"/>.</summary>
    public IReadOnlyList<PyValue> Values => _values;

    /// <summary>Sets <paramref name="key"/>: a new key is appended, an existing one keeps its place.</summary>
    public void Set(string key, PyValue value)
    {
        var at = IndexOf(key);
        if (at >= 0)
        {
            _values[at] = value;
            return;
        }
        _keys.Add(key);
        _values.Add(value);
        if (_index is not null)
        {
            _index[key] = _keys.Count - 1;
        }
        else if (_keys.Count > IndexThreshold)
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _keys.Count; i++)
            {
                _index[_keys[i]] = i;
            }
        }
    }

    /// <summary><c>d[key]</c>, or null where Python raises <c>KeyError</c>.</summary>
    public PyValue? Get(string key)
    {
        var at = IndexOf(key);
        return at < 0 ? null : _values[at];
    }

    private int IndexOf(string key)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(key, out var at) ? at : -1;
        }
        for (var i = 0; i < _keys.Count; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
