using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// Masked reductions over response tokens (verl <c>utils/torch_functional.py</c> masked_sum / masked_mean /
/// masked_var / masked_whiten). The mask is 1 on tokens that count (generated tokens) and 0 on padding and
/// tool-response tokens; a boolean mask is converted to the values' dtype.
/// </summary>
public static class Masked
{
    /// <summary>Σ x·m over all elements (a 0-dim tensor).</summary>
    public static Tensor Sum(Tensor values, Tensor mask)
    {
        using var scope = torch.NewScope();
        return scope.MoveToOuter((values * AsWeights(mask, values)).Sum());
    }

    /// <summary>Σ x·m along <paramref name="dim"/>.</summary>
    public static Tensor Sum(Tensor values, Tensor mask, long dim)
    {
        using var scope = torch.NewScope();
        return scope.MoveToOuter((values * AsWeights(mask, values)).Sum(dim));
    }

    /// <summary>Σ x·m / Σ m over all elements (a 0-dim tensor; NaN when the mask is empty).</summary>
    public static Tensor Mean(Tensor values, Tensor mask)
    {
        using var scope = torch.NewScope();
        var m = AsWeights(mask, values);
        return scope.MoveToOuter((values * m).Sum() / m.Sum());
    }

    /// <summary>Σ x·m / Σ m along <paramref name="dim"/> (per-sequence token mean when dim = −1).</summary>
    public static Tensor Mean(Tensor values, Tensor mask, long dim)
    {
        using var scope = torch.NewScope();
        var m = AsWeights(mask, values);
        return scope.MoveToOuter((values * m).Sum(dim) / m.Sum(dim));
    }

    /// <summary>
    /// Masked variance around the masked mean; <paramref name="unbiased"/> applies Bessel's correction n/(n−1)
    /// as verl's masked_var does (it refuses n = 1 there; here n = 1 gives NaN/∞, callers guard).
    /// </summary>
    public static Tensor Var(Tensor values, Tensor mask, bool unbiased = true)
    {
        using var scope = torch.NewScope();
        var m = AsWeights(mask, values);
        var count = m.Sum();
        var mean = (values * m).Sum() / count;
        var centered = values - mean;
        var variance = (centered * centered * m).Sum() / count;
        if (unbiased)
        {
            variance = variance * count / (count - 1);
        }
        return scope.MoveToOuter(variance);
    }

    /// <summary>
    /// Whitening over the valid tokens: (x − mean)·rsqrt(var + 1e-8) with the unbiased masked variance
    /// (verl masked_whiten); with <paramref name="shiftMean"/> false the mean is added back. Positions outside
    /// the mask are transformed too; multiply by the mask if they must stay 0.
    /// </summary>
    public static Tensor Whiten(Tensor values, Tensor mask, bool shiftMean = true)
    {
        using var scope = torch.NewScope();
        var mean = Mean(values, mask);
        var variance = Var(values, mask);
        var whitened = (values - mean) * (variance + 1e-8).Rsqrt();
        if (!shiftMean)
        {
            whitened = whitened + mean;
        }
        return scope.MoveToOuter(whitened);
    }

    /// <summary>The mask as 0/1 weights in the dtype of <paramref name="like"/>.</summary>
    internal static Tensor AsWeights(Tensor mask, Tensor like) => mask.DType == like.DType ? mask : mask.To(like.DType);
}
