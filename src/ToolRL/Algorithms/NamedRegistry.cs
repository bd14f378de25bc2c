namespace ToolRL.Algorithms;

/// <summary>
/// A thread-safe name → item table for the algorithm registries: names are unique (registering a taken name
/// throws) and an unknown name lists the known ones with the fix.
/// </summary>
/// <param name="field">The config field that names an item (for messages), e.g. <c>adv_estimator</c>.</param>
/// <param name="owner">How users register one (for messages), e.g. <c>AdvantageEstimators.Default.Register</c>.</param>
internal sealed class NamedRegistry<T>(string field, string owner)
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                return [.. _items.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    public void Register(string name, T item)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_lock)
        {
            if (!_items.TryAdd(name, item))
            {
                throw new ArgumentException($"{field} '{name}' is already registered; choose another name.", nameof(name));
            }
        }
    }

    public T Get(string name)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(name, out var item))
            {
                return item;
            }
        }
        throw new ArgumentException($"unknown {field} '{name}'. Registered: {string.Join(", ", Names)}. Fix: use one of those, or register it with {owner} first.", nameof(name));
    }
}
