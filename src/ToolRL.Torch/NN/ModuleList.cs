using System.Collections;
using System.Globalization;

namespace ToolRL.Torch.NN;

/// <summary>An indexed list of child modules named "0", "1", … (so keys read <c>layers.0.…</c>).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>An empty list.</summary>
    public ModuleList()
    {
    }

    /// <summary>A list holding <paramref name="modules"/> in order.</summary>
    public ModuleList(IEnumerable<T> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules)
        {
            Add(m);
        }
    }

    /// <summary>Appends a module (named by its index).</summary>
    public void Add(T module)
    {
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module);
        _items.Add(module);
    }

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
