using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>
/// trl 0.10.1's guard against a runaway policy (<c>PPOTrainer.loss</c>, <c>ratio_threshold</c>, StepTool: 10): a
/// batch whose mean importance ratio over its trained tokens, masked_mean(exp(logp − old_logp)), exceeds the threshold
/// has its loss multiplied by 0, so it adds nothing to the gradient. trl checks every loss computation (its mini-batch
/// of <c>mini_batch_size</c> rows, our micro-batch); the optimizer still steps on the others' gradients.
/// </summary>
public static class RatioThreshold
{
    /// <summary>
    /// masked_mean(exp(logp − old_logp), mask) of one batch; the log-ratio is clamped to ±<see cref="PolicyLossSettings.LogRatioClamp"/>
    /// as in the policy loss, so a ratio is at most e^20 ≈ 4.9e8 and never overflows.
    /// </summary>
    /// <param name="oldLogProbs">Shape (B, T): log-probs under the policy before the update.</param>
    /// <param name="logProbs">Shape (B, T): log-probs under the current policy.</param>
    /// <param name="responseMask">Shape (B, T): 1 on trained tokens.</param>
    public static double MeanRatio(Tensor oldLogProbs, Tensor logProbs, Tensor responseMask)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var mask = Masked.AsWeights(responseMask, logProbs);
        var ratio = (logProbs.Detach() - oldLogProbs).Clamp(-PolicyLossSettings.LogRatioClamp, PolicyLossSettings.LogRatioClamp).Exp();
        return Masked.Mean(ratio, mask).ItemDouble();
    }

    /// <summary>Whether a batch of mean ratio <paramref name="meanRatio"/> is skipped: strictly above the threshold (none = never).</summary>
    public static bool Skips(double meanRatio, double? threshold) => threshold is { } t && meanRatio > t;
}
