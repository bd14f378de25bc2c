namespace ToolRL;

/// <summary>
/// The one name → item table behind every registry (reward functions, environments, advantage estimators, policy
/// losses): thread-safe, names unique (registering a taken name throws) and an unknown name lists the known ones
/// with the fix.
/// </summary>
/// <param name="kind">What an item is, for messages, e.g. <c>reward function</c> or the config field <c>adv_estimator</c>.</param>
/// <param name="owner">How users register one, for messages, e.g. <c>RewardRegistry.Register</c>.</param>
internal sealed class NamedRegistry<T>(string kind, string owner)
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The registered names, sorted.</summary>
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

    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, T item)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(item);
        lock (_lock)
        {
            if (!_items.TryAdd(name, item))
            {
                throw new ArgumentException($"{kind} '{name}' is already registered; choose another name.", nameof(name));
            }
        }
    }

    /// <exception cref="ArgumentException">No item has that name (the message lists the known ones).</exception>
    public T Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock)
        {
            if (_items.TryGetValue(name, out var item))
            {
                return item;
            }
        }
        throw new ArgumentException($"unknown {kind} '{name}'. Registered: {string.Join(", ", Names)}. Fix: use one of those, or register it with {owner} first.", nameof(name));
    }
}
