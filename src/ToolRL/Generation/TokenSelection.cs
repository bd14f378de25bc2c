using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.Torch;

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
        if (options.IsGreedy && seen is null)
        {
            return GreedyPick.Compute(logits);   // argmax and its log-prob in one pass
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
            var kept = options.TopP < 1 ? NucleusOfSorted(values, options.TopP) : values;
            var pick = Multinomial(kept.Softmax(-1), 1, replacement: false, generator);  // [R,1] into the k
            ids = indices.Gather(1, pick).Squeeze(1);
        }
        else if (options.TopP < 1)
        {
            var (sorted, order) = scaled.Sort(-1, descending: true);               // [R,V]
            var kept = NucleusOfSorted(sorted, options.TopP);
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
    /// Top-p over logits sorted in descending order: keeps the smallest prefix whose probability mass reaches
    /// <paramref name="topP"/> (always at least the best token); the rest become −∞.
    /// </summary>
    public static Tensor NucleusOfSorted(Tensor sortedDescending, double topP)
    {
        using var scope = NewScope();
        var probs = sortedDescending.Softmax(-1);
        var massBefore = probs.CumSum(-1) - probs;                                 // mass of strictly better tokens
        var drop = massBefore.Ge(topP);                                            // the best token has 0 before it: kept
        return scope.MoveToOuter(sortedDescending.MaskedFill(drop, double.NegativeInfinity));
    }

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
