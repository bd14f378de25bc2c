using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Generation;

/// <summary>
/// Batched autoregressive generation with a preallocated KV cache. Prompts of different lengths are left-padded
/// into one batch (position ids <c>cumsum(mask) − 1</c>, padding masked for the whole run); the n samples of a
/// prompt share one prefill of that prompt (its cache rows are copied n times). The vocabulary projection is
/// applied to the last position only. Finished rows are dropped from the batch once a quarter of it is done.
/// </summary>
public static class Sampler
{
    /// <summary>
    /// Generates <paramref name="samplesPerPrompt"/> continuations of each prompt. Results are ordered prompt-major
    /// (prompt 0 samples 0 … n−1, prompt 1 …). <paramref name="decode"/> (token ids → text) is needed for stop
    /// strings and fills <see cref="GeneratedSequence.Text"/>.
    /// </summary>
    public static IReadOnlyList<GeneratedSequence> Generate(Qwen2ForCausalLM model, IReadOnlyList<IReadOnlyList<int>> promptIds,
        GenerationOptions options, int samplesPerPrompt = 1, Func<IReadOnlyList<int>, string>? decode = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerPrompt);
        if (options.StopStrings.Count > 0 && decode is null)
        {
            throw new ArgumentException("stop strings need a decoder (token ids → text); fix: pass the tokenizer's Decode");
        }
        ValidatePrompts(promptIds, model.Config.VocabSize);
        if (promptIds.Count == 0)
        {
            return [];
        }

        using var noGrad = NoGrad();
        using var generator = new Generator(options.Seed);
        var rows = new RowState[promptIds.Count * samplesPerPrompt];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new RowState(i / samplesPerPrompt, i % samplesPerPrompt);
        }
        if (options.MaxNewTokens == 0)
        {
            return rows.Select(r => r.ToResult(FinishReason.Length, decode, options.StopStrings)).ToList();
        }

        var longest = promptIds.Max(p => p.Count);
        KvCache? cache = null;
        Tensor? seen = null;
        try
        {
            Tensor logits;   // [R,V] float32 for the rows in `alive`
            using (var prefill = NewScope())
            {
                var (ids, mask) = LeftPad(promptIds, model.Device);                                     // [P,L]
                using var promptCache = model.CreateCache(promptIds.Count, longest + options.MaxNewTokens);
                var hidden = model.ForwardHidden(ids, mask, cache: promptCache);                     // [P,L,H]
                logits = model.LogitsOfRows(hidden.Select(1, longest - 1)).To(DType.Float32);              // [P,V]
                // Sample rows share their prompt's prefill: copy cache rows and logits n times.
                var rowOfPrompt = Enumerable.Range(0, rows.Length).Select(i => (long)(i / samplesPerPrompt)).ToArray();
                cache = promptCache.SelectRows(rowOfPrompt);
                if (samplesPerPrompt > 1)
                {
                    logits = logits.IndexSelect(0, FromArray(rowOfPrompt, rowOfPrompt.Length).To(model.Device));
                }
                if (options.RepetitionPenalty != 1)
                {
                    seen = SeenTokens(promptIds, rowOfPrompt, model.Config.VocabSize, model.Device);   // [R,V] bool
                    prefill.MoveToOuter(seen);
                }
                prefill.MoveToOuter(logits);
            }

            var batch = Enumerable.Range(0, rows.Length).ToList();   // row numbers of the batch, in batch order
            for (var step = 0; step < options.MaxNewTokens; step++)
            {
                using var stepScope = NewScope();
                var (next, chosenLogProbs) = TokenSelection.ChooseWithLogProbs(logits, seen, options, generator);  // [R], [R]
                var nextLogProbs = chosenLogProbs.ToArray<float>();
                var nextIds = next.ToArray<long>();
                var unfinished = new List<long>(batch.Count);                                          // batch positions
                for (var j = 0; j < batch.Count; j++)
                {
                    var row = rows[batch[j]];
                    if (row.Finish is not null)
                    {
                        continue;   // finished earlier, still in the batch until the next compaction
                    }
                    row.Add((int)nextIds[j], nextLogProbs[j]);
                    if (row.CheckFinished(options, decode, step + 1 == options.MaxNewTokens) is null)
                    {
                        unfinished.Add(j);
                    }
                }
                if (unfinished.Count == 0)
                {
                    break;
                }
                var input = next.Unsqueeze(1);                                                       // [R,1]
                seen?.ScatterInPlace(1, input, OnesLike(input, DType.Bool));
                // Drop finished rows once they are a quarter of the batch (each compaction copies the cache).
                if (unfinished.Count <= batch.Count * 3 / 4)
                {
                    var keep = unfinished.ToArray();
                    var compacted = cache!.SelectRows(keep);
                    cache.Dispose();
                    cache = compacted;
                    var index = FromArray(keep, keep.Length).To(model.Device);
                    input = input.IndexSelect(0, index);
                    if (seen is not null)
                    {
                        var kept = stepScope.MoveToOuter(seen.IndexSelect(0, index));
                        seen.Dispose();
                        seen = kept;
                    }
                    batch = unfinished.Select(j => batch[(int)j]).ToList();
                }
                var h = model.ForwardHidden(input, cache: cache);                                    // [R,1,H]
                var newLogits = stepScope.MoveToOuter(model.LogitsOfRows(h.Select(1, 0)).To(DType.Float32)); // [R,V]
                logits.Dispose();
                logits = newLogits;
            }
            logits.Dispose();
        }
        finally
        {
            cache?.Dispose();
            seen?.Dispose();
        }
        return rows.Select(r => r.ToResult(r.Finish ?? FinishReason.Length, decode, options.StopStrings)).ToList();
    }

    private static void ValidatePrompts(IReadOnlyList<IReadOnlyList<int>> prompts, long vocab)
    {
        for (var p = 0; p < prompts.Count; p++)
        {
            if (prompts[p] is null || prompts[p].Count == 0)
            {
                throw new ArgumentException($"prompt {p} is empty; fix: give at least one token (e.g. the chat template's assistant header)");
            }
            foreach (var id in prompts[p])
            {
                if (id < 0 || id >= vocab)
                {
                    throw new ArgumentException($"prompt {p} holds token id {id}, outside the model's vocabulary [0, {vocab}); fix: use the model's tokenizer");
                }
            }
        }
    }

    /// <summary>Left-padded ids and 0/1 mask [P, L] (padding id 0: it is masked and never attended).</summary>
    internal static (Tensor Ids, Tensor Mask) LeftPad(IReadOnlyList<IReadOnlyList<int>> prompts, Device device)
    {
        var longest = prompts.Max(p => p.Count);
        var ids = new long[prompts.Count * longest];
        var mask = new long[prompts.Count * longest];
        for (var p = 0; p < prompts.Count; p++)
        {
            var offset = p * longest + longest - prompts[p].Count;
            for (var i = 0; i < prompts[p].Count; i++)
            {
                ids[offset + i] = prompts[p][i];
                mask[offset + i] = 1;
            }
        }
        return (FromArray(ids, prompts.Count, longest).To(device), FromArray(mask, prompts.Count, longest).To(device));
    }

    private static Tensor SeenTokens(IReadOnlyList<IReadOnlyList<int>> prompts, long[] rowOfPrompt, long vocab, Device device)
    {
        var seen = new bool[rowOfPrompt.Length * vocab];
        for (var r = 0; r < rowOfPrompt.Length; r++)
        {
            foreach (var id in prompts[(int)rowOfPrompt[r]])
            {
                seen[r * vocab + id] = true;
            }
        }
        return FromArray(seen, rowOfPrompt.Length, vocab).To(device);
    }

    /// <summary>The growing output of one sequence.</summary>
    private sealed class RowState(int promptIndex, int sampleIndex)
    {
        private readonly List<int> _ids = [];
        private readonly List<float> _logProbs = [];

        public FinishReason? Finish { get; private set; }

        private int _stopCut = -1;

        public void Add(int id, float logProb)
        {
            _ids.Add(id);
            _logProbs.Add(logProb);
        }

        /// <summary>Sets and returns the finish reason once the sequence is done (eos, stop string, or the last step).</summary>
        public FinishReason? CheckFinished(GenerationOptions options, Func<IReadOnlyList<int>, string>? decode, bool lastStep)
        {
            if (options.EosTokenIds.Contains(_ids[^1]))
            {
                Finish = FinishReason.Eos;
            }
            else if (options.StopStrings.Count > 0 && StopStrings.FirstIndex(decode!(_ids), options.StopStrings) is var cut and >= 0)
            {
                _stopCut = cut;
                Finish = FinishReason.StopString;
            }
            else if (lastStep)
            {
                Finish = FinishReason.Length;
            }
            return Finish;
        }

        public GeneratedSequence ToResult(FinishReason reason, Func<IReadOnlyList<int>, string>? decode, IReadOnlyList<string> stops)
        {
            string? text = null;
            if (decode is not null)
            {
                text = decode(_ids);
                if (reason == FinishReason.StopString && _stopCut >= 0 && _stopCut <= text.Length)
                {
                    text = text[.._stopCut];
                }
            }
            return new GeneratedSequence(promptIndex, sampleIndex, _ids.ToArray(), _logProbs.ToArray(), reason, text);
        }
    }
}
