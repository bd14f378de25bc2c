using System.Collections;

namespace ToolRL.Rewards;

/// <summary>
/// What a <see cref="IRewardFunction"/> returns: one value per sample (null = not applicable) and, optionally,
/// named components logged as extra metrics (the ToolRL reward reports format, correctness and length).
/// It is itself the list of values, and a plain <c>double?[]</c> or <c>List&lt;double?&gt;</c> converts to it.
/// </summary>
public sealed class RewardOutput : IReadOnlyList<double?>
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<double?>> NoComponents =
        new Dictionary<string, IReadOnlyList<double?>>();

    /// <summary>Creates an output.</summary>
    /// <param name="values">One value per sample, in batch order.</param>
    /// <param name="components">Per-sample components by name, each as long as <paramref name="values"/>.</param>
    /// <exception cref="ArgumentException">A component has a different length than the values.</exception>
    public RewardOutput(IReadOnlyList<double?> values, IReadOnlyDictionary<string, IReadOnlyList<double?>>? components = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values;
        Components = components ?? NoComponents;
        foreach (var (name, component) in Components)
        {
            if (component.Count != values.Count)
            {
                throw new ArgumentException(
                    $"reward component '{name}' has {component.Count} values for {values.Count} samples; give one per sample.",
                    nameof(components));
            }
        }
    }

    /// <summary>One value per sample; null where the function does not apply.</summary>
    public IReadOnlyList<double?> Values { get; }

    /// <summary>Named per-sample components (empty when the function reports none).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double?>> Components { get; }

    /// <inheritdoc />
    public int Count => Values.Count;

    /// <inheritdoc />
    public double? this[int index] => Values[index];

    /// <summary>Wraps plain values.</summary>
    public static implicit operator RewardOutput(double?[] values) => new(values);

    /// <summary>Wraps plain values.</summary>
    public static implicit operator RewardOutput(List<double?> values) => new(values);

    /// <summary>Wraps values that always apply.</summary>
    public static implicit operator RewardOutput(double[] values) => new(values.Select(v => (double?)v).ToArray());

    /// <inheritdoc />
    public IEnumerator<double?> GetEnumerator() => Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
