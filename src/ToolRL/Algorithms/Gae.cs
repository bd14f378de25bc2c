using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>Advantages and returns of a PPO step.</summary>
/// <param name="Advantages">Shape (B, T); whitened over valid tokens when requested, zero outside the mask.</param>
/// <param name="Returns">Shape (B, T): raw advantages + values (the critic's regression target).</param>
public sealed record AdvantageResult(Tensor Advantages, Tensor Returns);

/// <summary>
/// Generalised advantage estimation (Schulman et al. 2016) with verl's masking (core_algos.py:214-262):
/// going backwards, δ_t = r_t + γ·V_next − V_t; A_t = δ_t + γλ·A_next; positions with mask 0 (padding, tool
/// tokens) pass V_next and A_next through unchanged, so TD errors bridge across tool responses. Returns = A + V
/// (before whitening); advantages are then whitened over valid tokens (normalize_advantages, masked_whiten).
/// </summary>
public static class Gae
{
    /// <summary>Computes GAE advantages and returns (no gradient; run on old values).</summary>
    /// <param name="tokenLevelRewards">Shape (B, T).</param>
    /// <param name="values">Shape (B, T): critic values of the state before each response token.</param>
    /// <param name="responseMask">Shape (B, T).</param>
    /// <param name="gamma">Discount γ.</param>
    /// <param name="lam">GAE λ.</param>
    /// <param name="whiten">Whiten advantages over valid tokens (verl always does; <c>normalize_advantages</c>).</param>
    public static AdvantageResult Compute(Tensor tokenLevelRewards, Tensor values, Tensor responseMask, double gamma, double lam, bool whiten = true)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var shape = tokenLevelRewards.Shape;
        var (batch, length) = (shape[0], shape[1]);
        // The recursion is sequential in t: run it on the host in double precision (B·T scalar steps) instead
        // of T small device launches.
        var r = tokenLevelRewards.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var v = values.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var m = responseMask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var advantages = new double[r.Length];
        for (long i = 0; i < batch; i++)
        {
            double nextValue = 0, lastGaeLam = 0;
            for (var t = length - 1; t >= 0; t--)
            {
                var k = i * length + t;
                var delta = r[k] + gamma * nextValue - v[k];
                var candidate = delta + gamma * lam * lastGaeLam;
                nextValue = v[k] * m[k] + (1 - m[k]) * nextValue;
                lastGaeLam = candidate * m[k] + (1 - m[k]) * lastGaeLam;
                advantages[k] = lastGaeLam;
            }
        }
        var dtype = tokenLevelRewards.DType;
        var device = tokenLevelRewards.Device;
        var raw = torch.FromArray(advantages, batch, length).To(dtype, device);
        var returns = raw + values.To(dtype);
        var mask = Masked.AsWeights(responseMask, raw);
        var final = whiten ? Masked.Whiten(raw, mask) * mask : raw;
        return new AdvantageResult(scope.MoveToOuter(final), scope.MoveToOuter(returns));
    }
}
