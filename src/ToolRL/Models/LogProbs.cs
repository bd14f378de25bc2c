using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>Settings of <see cref="LogProbs"/> scoring.</summary>
public sealed record LogProbOptions
{
    /// <summary>Logits are divided by this before the softmax (1 = the model's own distribution). Use the sampling
    /// temperature to score under the distribution tokens were drawn from.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Also compute the entropy of each scored position (otherwise the entropy tensor is zeros).</summary>
    public bool WithEntropy { get; init; } = true;

    /// <summary>Rows projected onto the vocabulary at once; 0 picks about 64 MB of float32 logits per chunk.</summary>
    public long ChunkRows { get; init; }

    /// <summary>If the scored rows × vocabulary float32 log-probs fit in this many bytes they are kept for the backward
    /// (faster); otherwise the backward recomputes each chunk (memory stays O(chunk × vocabulary)).</summary>
    public long KeepBudgetBytes { get; init; } = 1L << 30;

    /// <summary>The effective chunk size for a vocabulary of <paramref name="vocab"/>.</summary>
    public long RowsPerChunk(long vocab) => ChunkRows > 0 ? ChunkRows : Math.Max(1, (64L << 20) / (4 * vocab));
}

/// <summary>
/// Log-probabilities (and entropies) of given tokens under the model: <c>log p(x_t | x_&lt;t)</c>, computing the
/// vocabulary projection only at the scored positions and in chunks (<see cref="LinearLogProbs"/>), so memory does
/// not grow with prompt length × vocabulary. Differentiable: the RL losses backpropagate through the results into
/// the model parameters. Position ids follow the attention mask (<c>cumsum(mask) − 1</c>), exactly as the sampler
/// assigns them, so scores equal generation-time log-probs.
/// </summary>
public static class LogProbs
{
    /// <summary>
    /// Scores the response of each row in the verl layout: <paramref name="inputIds"/> [B,T] = left-padded prompt
    /// followed by the right-padded response in the last <paramref name="responseLength"/> columns.
    /// Returns (log-probs, entropy), float32 [B,R]; response padding (mask 0) gets 0.
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) Compute(Qwen2ForCausalLM model, Tensor inputIds, Tensor attentionMask,
        long responseLength, LogProbOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        var t = inputIds.Size(1);
        if (responseLength <= 0 || responseLength >= t)
        {
            throw new ArgumentOutOfRangeException(nameof(responseLength), responseLength,
                $"the response must be 1 … {t - 1} columns of the {t}-column input (at least one prompt token precedes it)");
        }
        using var scope = NewScope();
        var targets = Zeros(attentionMask.Shape, DType.Int64, attentionMask.Device);
        targets.Narrow(1, t - responseLength, responseLength).CopyFrom(attentionMask.Narrow(1, t - responseLength, responseLength));
        var (lp, ent) = ComputeMasked(model, inputIds, attentionMask, targets, options);
        var lpR = lp.Narrow(1, t - responseLength, responseLength);
        var entR = ent.Narrow(1, t - responseLength, responseLength);
        return (scope.MoveToOuter(lpR), scope.MoveToOuter(entR));
    }

    /// <summary>
    /// Scores every position t ≥ 1 with <paramref name="targetMask"/>[b,t] ≠ 0: log p(inputIds[b,t] | inputIds[b,&lt;t]).
    /// Returns (log-probs, entropy), float32 [B,T], zero where not scored (always at t = 0).
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) ComputeMasked(Qwen2ForCausalLM model, Tensor inputIds, Tensor attentionMask,
        Tensor targetMask, LogProbOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewScope();
        var hidden = model.ForwardHidden(inputIds, attentionMask);                             // [B,T,H]
        var (lp, ent) = FromHidden(hidden, model.LmHeadWeight, inputIds, targetMask, options);
        return (scope.MoveToOuter(lp), scope.MoveToOuter(ent));
    }

    /// <summary>
    /// The scoring step alone, for callers that already have final hidden states [B,T,H] (e.g. a shared forward):
    /// position t−1's hidden state predicts <paramref name="inputIds"/>[b,t] through <paramref name="outputWeight"/> [V,H].
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) FromHidden(Tensor hidden, Tensor outputWeight, Tensor inputIds, Tensor targetMask,
        LogProbOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(outputWeight);
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(targetMask);
        var o = options ?? new LogProbOptions();
        long b = inputIds.Size(0), t = inputIds.Size(1), h = hidden.Size(2);
        if (hidden.Size(0) != b || hidden.Size(1) != t || targetMask.Size(0) != b || targetMask.Size(1) != t)
        {
            throw new ArgumentException(
                $"shapes disagree: hidden [{string.Join(", ", hidden.Shape)}], ids [{b}, {t}], target mask [{string.Join(", ", targetMask.Shape)}]");
        }
        using var scope = NewScope();
        var device = hidden.Device;
        if (t < 2)
        {
            return (scope.MoveToOuter(Zeros([b, t], DType.Float32, device)), scope.MoveToOuter(Zeros([b, t], DType.Float32, device)));
        }
        // Flat indices (over the [B, T−1] grid of "position t−1 predicts token t") of the scored tokens.
        var mask = targetMask.Narrow(1, 1, t - 1).Ne(0).To(DType.Int64).To(Device.Cpu).ToArray<long>();
        var rows = new List<long>(mask.Length);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0)
            {
                rows.Add(i);
            }
        }
        var lpFlat = Zeros([b * (t - 1)], DType.Float32, device);
        var entFlat = Zeros([b * (t - 1)], DType.Float32, device);
        if (rows.Count > 0)
        {
            var index = FromArray(rows.ToArray(), rows.Count).To(device);
            var picked = hidden.Narrow(1, 0, t - 1).Reshape(b * (t - 1), h).IndexSelect(0, index);         // [N,H]
            var targets = inputIds.Narrow(1, 1, t - 1).Reshape(b * (t - 1)).IndexSelect(0, index);         // [N]
            var (lp, ent) = LinearLogProbs.Compute(picked, outputWeight, targets, o.Temperature,
                o.RowsPerChunk(outputWeight.Size(0)), o.KeepBudgetBytes, o.WithEntropy);                   // [N], [N]
            lpFlat = lpFlat.IndexCopy(0, index, lp);
            entFlat = entFlat.IndexCopy(0, index, ent);
        }
        var zeroColumn = Zeros([b, 1], DType.Float32, device);
        var logProbs = Cat([zeroColumn, lpFlat.View(b, t - 1)], 1);                                        // [B,T]
        var entropy = Cat([zeroColumn, entFlat.View(b, t - 1)], 1);
        return (scope.MoveToOuter(logProbs), scope.MoveToOuter(entropy));
    }
}
