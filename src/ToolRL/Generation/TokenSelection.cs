using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Generation;

/// <summary>
/// Picking the next token from a step's logits [R, V] (float32): greedy argmax, or temperature → top-k → top-p
/// (transformers' TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, in that order) and a multinomial draw.
/// </summary>
internal static class TokenSelection
{
    /// <summary>
    /// The next ids [R] (int64) and their log-probs [R] (float32) under the model's own distribution at the sampling
    /// temperature (1 when greedy), before any repetition penalty. <paramref name="seen"/>: null, or the bool [R, V]
    /// tokens the repetition penalty applies to.
    /// </summary>
    public static (Tensor Ids, Tensor LogProbs) ChooseWithLogProbs(Tensor logits, Tensor? seen, GenerationOptions options, Generator generator)
    {
        if (seen is null && options.IsGreedy)
        {
            return TokenPick.Greedy(logits);   // argmax and its log-prob in one pass
        }
        if (seen is null && (options.TopK <= 0 || options.TopK >= logits.Size(-1)) && options.TopP >= 1)
        {
            return TokenPick.Sample(logits, options.Temperature, generator);   // plain temperature sampling: at most three passes
        }
        using var scope = NewScope();
        var stepLogits = seen is null ? logits : ApplyRepetitionPenalty(logits, seen, options.RepetitionPenalty);
        var ids = Choose(stepLogits, options, generator);
        var logProbs = LogProbOf(logits, ids, options.IsGreedy ? 1.0 : options.Temperature);
        return (scope.MoveToOuter(ids), scope.MoveToOuter(logProbs));
    }

    /// <summary>The next ids [R] (int64).</summary>
    public static Tensor Choose(Tensor logits, GenerationOptions options, Generator generator)
    {
        if (options.IsGreedy)
        {
            return logits.ArgMax(-1);
        }
        using var scope = NewScope();
        var scaled = logits / options.Temperature;
        Tensor ids;
        if (options.TopK > 0 && options.TopK < logits.Size(-1))
        {
            // Only the k best can survive, so top-p and the draw run over [R, k] sorted candidates instead of [R, V].
            var (values, indices) = scaled.TopK(options.TopK, -1);                 // [R,k] descending
            var kept = options.TopP < 1 ? NucleusOfSorted(values, options.TopP, values.LogSumExp(-1, keepDim: true)) : values;
            var pick = Multinomial(kept.Softmax(-1), 1, replacement: false, generator);  // [R,1] into the k
            ids = indices.Gather(1, pick).Squeeze(1);
        }
        else if (options.TopP < 1)
        {
            // The nucleus usually lies among the best few hundred tokens: when the best NucleusCandidates hold at
            // least top_p of the mass in every row, the nucleus of their sorted list is the nucleus of the full
            // sort (same kept set, same renormalised draw), without sorting the whole vocabulary.
            var logNormalizer = scaled.LogSumExp(-1, keepDim: true);                // [R,1]
            var k = Math.Min(logits.Size(-1), NucleusCandidates);
            var (sorted, order) = scaled.TopK(k, -1);                                // [R,k] descending
            if (k < logits.Size(-1) && (sorted - logNormalizer).Exp().Sum(-1).Min().ToArray<float>()[0] < options.TopP)
            {
                (sorted, order) = scaled.Sort(-1, descending: true);                 // [R,V]
            }
            var kept = NucleusOfSorted(sorted, options.TopP, logNormalizer);
            var pick = Multinomial(kept.Softmax(-1), 1, replacement: false, generator);
            ids = order.Gather(1, pick).Squeeze(1);
        }
        else
        {
            ids = Multinomial(scaled.Softmax(-1), 1, replacement: false, generator).Squeeze(1);
        }
        return scope.MoveToOuter(ids);
    }

    /// <summary>
    /// Top-p over logits sorted in descending order (all of them, or the best of them when <paramref name="logNormalizer"/>
    /// [R, 1] is the log-sum-exp of the whole distribution they come from): keeps the smallest prefix whose
    /// probability mass reaches <paramref name="topP"/> (always at least the best token); the rest become −∞.
    /// </summary>
    public static Tensor NucleusOfSorted(Tensor sortedDescending, double topP, Tensor logNormalizer)
    {
        using var scope = NewScope();
        var probs = (sortedDescending - logNormalizer).Exp();
        var massBefore = probs.CumSum(-1) - probs;                                 // mass of strictly better tokens
        var drop = massBefore.Ge(topP);                                            // the best token has 0 before it: kept
        return scope.MoveToOuter(sortedDescending.MaskedFill(drop, double.NegativeInfinity));
    }

    /// <summary>Candidates sorted for top-p before falling back to sorting the whole vocabulary.</summary>
    private const int NucleusCandidates = 1024;

    /// <summary>CTRL repetition penalty: where <paramref name="seen"/> (bool [R,V]) is set, logits &gt; 0 are divided by it, others multiplied.</summary>
    public static Tensor ApplyRepetitionPenalty(Tensor logits, Tensor seen, double penalty)
    {
        using var scope = NewScope();
        var penalised = Where(logits.Gt(0), logits / penalty, logits * penalty);
        return scope.MoveToOuter(Where(seen, penalised, logits));
    }

    /// <summary>log softmax(logits / T)[id] per row, float32 [R].</summary>
    public static Tensor LogProbOf(Tensor logits, Tensor ids, double temperature)
    {
        using var scope = NewScope();
        var scaled = temperature == 1 ? logits : logits / temperature;
        return scope.MoveToOuter(ToolRL.Torch.NN.Functional.TokenLogProbs(scaled, ids));
    }
}
