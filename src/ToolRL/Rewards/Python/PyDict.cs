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

    private string[] _keys = [];
    private PyValue[] _values = [];
    private int _count;
    private Dictionary<string, int>? _index;

    /// <summary>The number of distinct keys.</summary>
    public int Count => _count;

    /// <summary>The keys in insertion (first-occurrence) order.</summary>
    public ReadOnlySpan<string> KeySpan => _keys.AsSpan(0, _count);

    /// <summary>The keys in insertion (first-occurrence) order.</summary>
    public IReadOnlyList<string> Keys => new ArraySegment<string>(_keys, 0, _count);

    /// <summary>The key at <paramref name="i"/>.</summary>
    public string KeyAt(int i) => _keys[i];

    /// <summary>The value at <paramref name="i"/>, aligned with the keys.</summary>
    public PyValue ValueAt(int i) => _values[i];

    /// <summary>Sets <paramref name="key"/>: a new key is appended, an existing one keeps its place.</summary>
    public void Set(string key, PyValue value)
    {
        var at = IndexOf(key);
        if (at >= 0)
        {
            _values[at] = value;
            return;
        }
        if (_count == _keys.Length)
        {
            var capacity = Math.Max(4, _count * 2);
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _values, capacity);
        }
        _keys[_count] = key;
        _values[_count] = value;
        _count++;
        if (_index is not null)
        {
            _index[key] = _count - 1;
        }
        else if (_count > IndexThreshold)
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
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
        for (var i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_keys[i], key) || string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
