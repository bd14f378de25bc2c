using ToolRL.Torch.Optim;

namespace ToolRL.Benchmarks;

/// <summary>
/// <c>lora</c>: full fine-tuning against LoRA (r 8, all linear layers) on the 0.5B slice (hidden 896, 2 layers, 14/2
/// heads, intermediate 4,864, vocab 151,936), each the other's reference in the same run: train-step time and peak RSS
/// (weights, gradients, AdamW, activations of a 2 × 256 step), reference log-probs (a frozen copy against the same model
/// with adapters off), and greedy decoding 8 × 256 + 32 with the adapters unmerged against merged (and the bare base).
/// TOOLRL_BENCH_THREADS sets libtorch's intra-op threads (default 1, the steadiest on a shared machine).
/// </summary>
public sealed class LoraBenchmark : IBenchmark
{
    private static readonly Qwen2Config Slice = new()
    {
        VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 2, NumAttentionHeads = 14,
        NumKeyValueHeads = 2, RopeTheta = 1e6,
    };

    private static readonly LoraConfig Lora = new() { R = 8, Alpha = 16 };

    /// <inheritdoc />
    public string Name => "lora";

    /// <inheritdoc />
    public void Run()
    {
        IntraOpThreads = int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_BENCH_THREADS"), out var threads) ? threads : 1;
        Console.WriteLine($"0.5B slice, intra-op threads {IntraOpThreads}; LoRA r {Lora.R}, alpha {Lora.Alpha}, all linear layers");
        var (fullStep, fullRss, fullParams) = TrainStep(lora: false);
        var (loraStep, loraRss, loraParams) = TrainStep(lora: true);
        Console.WriteLine(Invariant($"train step 2×256: full {fullStep * 1e3:F0} ms ({fullParams:N0} trainable), LoRA {loraStep * 1e3:F0} ms ({loraParams:N0} trainable): ×{fullStep / loraStep:F2}"));
        Console.WriteLine(Invariant($"peak RSS of the step: full {Measure.Mib(fullRss)}, LoRA {Measure.Mib(loraRss)} ({Measure.Mib(fullRss - loraRss)} less)"));
        ReferenceScoring();
        Decode();
    }

    /// <summary>Seconds per warm train step (best of 3), the step's peak RSS and the trainable parameter count.</summary>
    private static (double Seconds, long PeakRss, long Trainable) TrainStep(bool lora)
    {
        using var model = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);
        if (lora)
        {
            model.AddAdapters(Lora, seed: 1);
        }
        var trainable = model.TrainableParameters().ToArray();
        using var optimizer = new AdamW(trainable, lr: 1e-5);
        using var generator = new Generator(0);
        using var ids = RandInt(0, Slice.VocabSize, [2, 256], generator);
        using var mask = OnesLike(ids);
        void Step()
        {
            using var scope = NewScope();
            var (lp, _) = LogProbs.ComputeMasked(model, ids, mask, mask, new LogProbOptions { WithEntropy = false });
            var loss = -lp.Sum() / (2 * 255);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        Step();
        Measure.ResetPeakRss();
        var seconds = Measure.BestSeconds(Step, 3);
        var rss = Measure.PeakRss();
        return (seconds, rss, trainable.Sum(p => p.NumEl));
    }

    /// <summary>Reference log-probs of a 8 × 288 batch: a frozen copy of the model (full fine-tuning) against the adapted model with adapters off.</summary>
    private static void ReferenceScoring()
    {
        using var scope = NewScope();
        using var generator = new Generator(2);
        var ids = RandInt(0, Slice.VocabSize, [8, 288], generator);
        var mask = OnesLike(ids);
        var options = new LogProbOptions { WithEntropy = false };
        using var noGrad = NoGrad();
        using var policy = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);
        using var copy = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);   // what full fine-tuning keeps as reference
        var copyBytes = copy.Parameters().Sum(p => p.NumEl * p.DType.ElementSize());
        var copyTime = Measure.BestSeconds(() => LogProbs.ComputeMasked(copy, ids, mask, mask, options).LogProbs.Dispose(), 3);
        policy.AddAdapters(Lora, seed: 1);
        double offTime;
        using (policy.Model.DisableAdapters())
        {
            offTime = Measure.BestSeconds(() => LogProbs.ComputeMasked(policy, ids, mask, mask, options).LogProbs.Dispose(), 3);
        }
        var onTime = Measure.BestSeconds(() => LogProbs.ComputeMasked(policy, ids, mask, mask, options).LogProbs.Dispose(), 3);
        Console.WriteLine(Invariant($"reference log-probs 8×288: frozen copy {copyTime * 1e3:F0} ms, base with adapters off {offTime * 1e3:F0} ms (×{offTime / copyTime:F2}); policy with adapters on {onTime * 1e3:F0} ms; the copy holds {Measure.Mib(copyBytes)} of weights, the adapters-off reference 0"));
    }

    /// <summary>Greedy generation 8 × 256 + 32 tokens: bare base, adapters unmerged, adapters merged (best of 2 each).</summary>
    private static void Decode()
    {
        using var model = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);
        var random = new Random(0);
        var prompts = Enumerable.Range(0, 8)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 256).Select(_ => random.Next((int)Slice.VocabSize)).ToArray()).ToList();
        var options = new GenerationOptions { DoSample = false, MaxNewTokens = 32 };
        double Generate() => Measure.BestSeconds(() => Sampler.Generate(model, prompts, options), 2);
        Generate();
        var bare = Generate();
        model.AddAdapters(Lora, seed: 1);
        using (NoGrad())
        {
            foreach (var (_, p) in model.Model.AdapterParameters())
            {
                using var scope = NewScope();
                p.CopyFrom(Randn(p.Shape) * 0.01);   // trained-looking, non-zero B
            }
        }
        var unmerged = Generate();
        model.Model.MergeAdapters();
        var merged = Generate();
        Console.WriteLine(Invariant($"greedy 8×256 + 32: base {8 * 32 / bare:F1} tok/s, adapters unmerged {8 * 32 / unmerged:F1} tok/s, merged {8 * 32 / merged:F1} tok/s; unmerged costs {100 * (unmerged / merged - 1):F1} % over merged (target ≤ 15 %)"));
        var decodeMerged = DecodeStep(model);
        model.Model.UnmergeAdapters();
        var decodeUnmerged = DecodeStep(model);
        Console.WriteLine(Invariant($"decode step body (8 rows, cache 256): merged {decodeMerged * 1e3:F2} ms, unmerged {decodeUnmerged * 1e3:F2} ms (+{100 * (decodeUnmerged / decodeMerged - 1):F1} %)"));
    }

    private static double DecodeStep(Qwen2ForCausalLM model)
    {
        using var scope = NewScope();
        using var noGrad = NoGrad();
        using var generator = new Generator(3);
        var ids = RandInt(0, Slice.VocabSize, [8, 256], generator);
        using var cache = model.CreateCache(8, 320);
        model.ForwardHidden(ids, cache: cache).Dispose();
        var next = ids.Narrow(1, 0, 1).Contiguous();
        return Measure.BestSeconds(() => model.ForwardHidden(next, cache: cache).Dispose(), 20);   // the cache grows 256 → 276
    }
}
