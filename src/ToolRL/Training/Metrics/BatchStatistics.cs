namespace ToolRL.Training.Metrics;

/// <summary>Plain statistics over a batch of values, for the <c>/mean</c>, <c>/max</c>, <c>/min</c>, <c>/std</c> metrics.</summary>
internal static class BatchStatistics
{
    /// <summary>The arithmetic mean (NaN for an empty batch).</summary>
    public static double Mean(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Sum() / values.Count;

    /// <summary>The population standard deviation (NaN for an empty batch), as TRL logs <c>rewards/*/std</c>.</summary>
    public static double Std(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var mean = Mean(values);
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    /// <summary>The largest value (NaN for an empty batch).</summary>
    public static double Max(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>The smallest value (NaN for an empty batch).</summary>
    public static double Min(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Min();

    /// <summary>
    /// The critic's explained variance, verl <c>metric_utils.py</c>: <c>1 − Var(R − V) / (Var(R) + 1e-5)</c> over the
    /// valid tokens, with unbiased variances. 1 means the values predict the returns perfectly, 0 no better than
    /// their mean.
    /// </summary>
    public static double ExplainedVariance(IReadOnlyList<double> returns, IReadOnlyList<double> values)
    {
        if (returns.Count != values.Count)
        {
            throw new ArgumentException($"returns ({returns.Count}) and values ({values.Count}) differ in length");
        }
        if (returns.Count < 2)
        {
            return double.NaN;
        }
        var residual = returns.Select((r, i) => r - values[i]).ToList();
        return 1 - UnbiasedVariance(residual) / (UnbiasedVariance(returns) + 1e-5);
    }

    private static double UnbiasedVariance(IReadOnlyList<double> values)
    {
        var mean = Mean(values);
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }
}
