namespace ToolRL.Rewards;

/// <summary>One function of a <see cref="WeightedReward"/> with its weight.</summary>
/// <param name="Function">The reward function.</param>
/// <param name="Weight">Its weight in the sum (TRL's <c>reward_weights</c>).</param>
public sealed record WeightedFunction(IRewardFunction Function, double Weight);

/// <summary>
/// Several reward functions combined as <c>Σ weight·value</c> over the functions that apply to a sample
/// (TRL's nan-sum: a null value is skipped); null only when none applies. Each function's own values are
/// reported as a component under its name, and its components as <c>{name}/{component}</c>, so the trainer
/// logs per-function metrics.
/// </summary>
public sealed class WeightedReward : IRewardFunction
{
    /// <summary>Combines <paramref name="functions"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No function, a duplicate function name, or a non-finite weight.</exception>
    public WeightedReward(IReadOnlyList<WeightedFunction> functions, string name = "total")
    {
        ArgumentNullException.ThrowIfNull(functions);
        if (functions.Count == 0)
        {
            throw new ArgumentException("a weighted reward needs at least one function.", nameof(functions));
        }
        foreach (var group in functions.GroupBy(f => f.Function.Name).Where(g => g.Count() > 1))
        {
            throw new ArgumentException(
                $"reward function '{group.Key}' appears {group.Count()} times; combine it once (its metrics are keyed by name).", nameof(functions));
        }
        foreach (var f in functions.Where(f => !double.IsFinite(f.Weight)))
        {
            throw new ArgumentException($"reward function '{f.Function.Name}' has weight {f.Weight}; use a finite number.", nameof(functions));
        }
        Functions = functions;
        Name = name;
    }

    /// <summary>The combined functions with their weights.</summary>
    public IReadOnlyList<WeightedFunction> Functions { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public RewardOutput Score(IReadOnlyList<RewardSample> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var totals = new double?[batch.Count];
        var components = new Dictionary<string, IReadOnlyList<double?>>();
        foreach (var (function, weight) in Functions)
        {
            var output = function.Score(batch);
            if (output.Count != batch.Count)
            {
                throw new InvalidOperationException(
                    $"reward function '{function.Name}' returned {output.Count} values for a batch of {batch.Count}; it must return one per sample.");
            }
            for (var i = 0; i < batch.Count; i++)
            {
                if (output[i] is double value)
                {
                    totals[i] = (totals[i] ?? 0.0) + weight * value;
                }
            }
            components[function.Name] = output.Values;
            foreach (var (part, values) in output.Components)
            {
                components[$"{function.Name}/{part}"] = values;
            }
        }
        return new RewardOutput(totals, components);
    }
}
