namespace ToolRL.Rewards;

/// <summary>
/// Mean and standard deviation of a reward function's values over a batch, under TRL's metric names:
/// <c>rewards/{name}/mean</c>, <c>rewards/{name}/std</c>, and for each component
/// <c>rewards/{name}/{component}/mean|std</c>. Null (not applicable) values are left out; std is the unbiased
/// (n−1) estimate like <c>torch.std</c>, 0 for a single value; both are NaN when no value applies.
/// </summary>
public static class RewardMetrics
{
    /// <summary>The metrics of one function's output.</summary>
    public static IReadOnlyDictionary<string, double> Summarize(string name, RewardOutput output)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(output);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        Add(metrics, $"rewards/{name}", output.Values);
        foreach (var (component, values) in output.Components)
        {
            Add(metrics, $"rewards/{name}/{component}", values);
        }
        return metrics;
    }

    /// <summary>The mean and unbiased std of the non-null values (NaN, NaN when there are none).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var count = 0;
        var sum = 0.0;
        foreach (var value in values)
        {
            if (value is double v)
            {
                count++;
                sum += v;
            }
        }
        if (count == 0)
        {
            return (double.NaN, double.NaN);
        }
        var mean = sum / count;
        if (count == 1)
        {
            return (mean, 0.0);
        }
        var squares = 0.0;
        foreach (var value in values)
        {
            if (value is double v)
            {
                squares += (v - mean) * (v - mean);
            }
        }
        return (mean, Math.Sqrt(squares / (count - 1)));
    }

    private static void Add(Dictionary<string, double> metrics, string prefix, IReadOnlyList<double?> values)
    {
        var (mean, std) = MeanStd(values);
        metrics[prefix + "/mean"] = mean;
        metrics[prefix + "/std"] = std;
    }
}
