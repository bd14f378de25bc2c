using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>Per-token quantities read off the logits.</summary>
public static class TokenStatistics
{
    /// <summary>
    /// Entropy of the categorical distribution of each position: H = logsumexp(z) − Σ softmax(z)·z
    /// (verl entropy_from_logits, torch_functional.py:224-238). Pass temperature-scaled logits.
    /// </summary>
    /// <param name="logits">Shape (..., V).</param>
    /// <returns>Shape (...).</returns>
    public static Tensor Entropy(Tensor logits)
    {
        using var scope = torch.NewScope();
        var logZ = logits.LogSumExp(-1);
        var expected = (logits.Softmax(-1) * logits).Sum(-1);
        return scope.MoveToOuter(logZ - expected);
    }

    /// <summary>
    /// Log-probability of each chosen token under softmax(logits / temperature) (verl recomputes old and new
    /// log-probs on temperature-scaled logits so PPO ratios compare like with like).
    /// </summary>
    /// <param name="logits">Shape (B, T, V).</param>
    /// <param name="tokenIds">Shape (B, T), Int64.</param>
    /// <param name="temperature">Sampling temperature (&gt; 0).</param>
    /// <returns>Shape (B, T).</returns>
    public static Tensor LogProbs(Tensor logits, Tensor tokenIds, double temperature = 1.0)
    {
        if (!(temperature > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be > 0 for log-probs.");
        }
        using var scope = torch.NewScope();
        var scaled = temperature == 1.0 ? logits : logits / temperature;
        var logProbs = scaled.LogSoftmax(-1).Gather(-1, tokenIds.Unsqueeze(-1)).Squeeze(-1);
        return scope.MoveToOuter(logProbs);
    }
}
