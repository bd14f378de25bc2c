using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// GAE as trl 0.10.1 computes it (<c>PPOTrainer.compute_advantages</c>, ppo_trainer.py:1158-1184), the estimator
/// StepTool trains with: values and rewards are multiplied by the mask, then the plain backward recursion
/// δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1} (Schulman et al. 2016, eq. 16) runs over every position. A
/// masked position (a tool observation between two steps) is not skipped as in <see cref="Gae"/>: it adds one γλ
/// decay and its zeroed value bootstraps the token before it, so a later step's reward reaches earlier steps
/// attenuated by (γλ)^(tokens between). Returns = A + V·mask (before whitening); advantages are whitened over the
/// mask (trl masked_whiten, unbiased variance, 1e-8). Use it for parity with StepTool; <see cref="Gae"/> is the
/// recommended semantics for multi-turn rollouts (docs/steptool.md).
/// </summary>
public static class DecayingGae
{
    /// <summary>Computes the advantages and returns (no gradient).</summary>
    /// <param name="tokenLevelRewards">Shape (B, T).</param>
    /// <param name="values">Shape (B, T): critic values of the state before each token.</param>
    /// <param name="responseMask">Shape (B, T): 1 on trained tokens.</param>
    /// <param name="gamma">Discount γ (StepTool: 0.99).</param>
    /// <param name="lam">GAE λ (StepTool: trl's default 0.95).</param>
    /// <param name="whiten">Whiten advantages over the mask (trl always does).</param>
    public static AdvantageResult Compute(Tensor tokenLevelRewards, Tensor values, Tensor responseMask, double gamma, double lam, bool whiten = true)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var shape = tokenLevelRewards.Shape;
        var (batch, length) = (shape[0], shape[1]);
        var m = responseMask.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var r = tokenLevelRewards.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var v = values.To(DType.Float64, Device.Cpu).Contiguous().ToArray<double>();
        var advantages = new double[r.Length];
        var masked = new double[r.Length];
        for (long i = 0; i < batch; i++)
        {
            double lastGaeLam = 0;
            for (var t = length - 1; t >= 0; t--)
            {
                var k = i * length + t;
                var next = t < length - 1 ? v[k + 1] * m[k + 1] : 0;
                var delta = r[k] * m[k] + gamma * next - v[k] * m[k];
                lastGaeLam = delta + gamma * lam * lastGaeLam;
                advantages[k] = lastGaeLam;
                masked[k] = v[k] * m[k];
            }
        }
        var dtype = tokenLevelRewards.DType;
        var device = tokenLevelRewards.Device;
        var raw = torch.FromArray(advantages, batch, length).To(dtype, device);
        var returns = raw + torch.FromArray(masked, batch, length).To(dtype, device);
        var mask = Masked.AsWeights(responseMask, raw);
        var final = whiten ? Masked.Whiten(raw, mask) * mask : raw * mask;
        return new AdvantageResult(scope.MoveToOuter(final), scope.MoveToOuter(returns));
    }
}
