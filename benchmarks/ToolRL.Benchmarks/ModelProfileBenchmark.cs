using ToolRL.Torch.Optim;

namespace ToolRL.Benchmarks;

/// <summary>
/// <c>model-profile</c>: where the time of one generation and one train step of the "small" shape goes (prefill,
/// decode forward, vocabulary projection, scoring forward/backward, optimiser step), to see what to optimise. No
/// reference run. TOOLRL_BENCH_THREADS sets libtorch's intra-op threads (default: libtorch's own choice); on a
/// shared machine 1 gives the steadiest figures.
/// </summary>
public sealed class ModelProfileBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "model-profile";

    /// <inheritdoc />
    public void Run()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_BENCH_THREADS"), out var threads))
        {
            IntraOpThreads = threads;
        }
        Console.WriteLine($"intra-op threads: {IntraOpThreads}; {(CpuTime ? "CPU" : "wall")} times");
        // TOOLRL_PROFILE_SHAPE=0.5b profiles the "0.5B slice" (hidden 896, 2 layers, 14/2 heads, intermediate 4,864).
        var slice = Environment.GetEnvironmentVariable("TOOLRL_PROFILE_SHAPE") == "0.5b";
        var config = slice
            ? new Qwen2Config
            {
                VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 2, NumAttentionHeads = 14,
                NumKeyValueHeads = 2, RopeTheta = 1e6,
            }
            : new Qwen2Config
            {
                VocabSize = 151936, HiddenSize = 256, IntermediateSize = 704, NumHiddenLayers = 4, NumAttentionHeads = 4,
                NumKeyValueHeads = 2, RopeTheta = 1e6,
            };
        var trainBatch = slice ? 2 : 4;
        using var model = Qwen2ForCausalLM.CreateRandom(config, seed: 0);
        using var generator = new Generator(0);
        using (NoGrad())
        {
            using var scope = NewScope();
            var ids = RandInt(0, config.VocabSize, [8, 256], generator);
            using var cache = model.CreateCache(8, 320);
            var prefill = Time(() =>
            {
                using var fresh = model.CreateCache(8, 320);
                model.ForwardHidden(ids, cache: fresh).Dispose();
            });
            Console.WriteLine($"prefill 8×256 body (warm, best of 3): {prefill * 1e3:F0} ms");
            model.ForwardHidden(ids, cache: cache).Dispose();
            var hidden = Randn([8, config.HiddenSize]);
            Time(() => model.Logits(hidden).Dispose());
            Console.WriteLine($"lm_head 8 rows: {Time(() => model.Logits(hidden).Dispose()) * 1e3:F1} ms");
            Console.WriteLine($"lm_head 8 rows as W·hᵀ: {Time(() => model.LmHeadWeight.MatMul(hidden.T()).T().Contiguous().Dispose()) * 1e3:F1} ms");
            Console.WriteLine($"lm_head 8 rows, LogitsOfRows (decode kernel): {Time(() => model.LogitsOfRows(hidden).Dispose()) * 1e3:F1} ms");
            var logits = model.Logits(hidden);
            Console.WriteLine($"logsumexp: {Time(() => logits.LogSumExp(-1).Dispose()) * 1e3:F1} ms; log_softmax: {Time(() => logits.LogSoftmax(-1).Dispose()) * 1e3:F1} ms");
            Console.WriteLine($"argmax: {Time(() => logits.ArgMax(-1).Dispose()) * 1e3:F1} ms; token log-prob: " +
                $"{Time(() => ToolRL.Torch.NN.Functional.TokenLogProbs(logits, logits.ArgMax(-1)).Dispose()) * 1e3:F1} ms");
            using (var sampling = new Generator(1))
            {
                var greedy = new GenerationOptions { DoSample = false };
                var plain = new GenerationOptions { DoSample = true, Temperature = 1.0 };
                var nucleus = new GenerationOptions { DoSample = true, Temperature = 0.7, TopP = 0.9 };
                double Pick(GenerationOptions o) => Time(() =>
                {
                    var (chosen, chosenLogProbs) = TokenSelection.ChooseWithLogProbs(logits, null, o, sampling);
                    chosen.Dispose();
                    chosenLogProbs.Dispose();
                });
                Console.WriteLine($"token choice with log-prob, 8 rows: greedy {Pick(greedy) * 1e3:F1} ms; sampling T=1 {Pick(plain) * 1e3:F1} ms; " +
                    $"T=0.7 top-p 0.9 {Pick(nucleus) * 1e3:F1} ms");
            }
            var next = ids.Narrow(1, 0, 1).Contiguous();
            var decode = Time(() => model.ForwardHidden(next, cache: cache).Dispose(), repeats: 10);
            Console.WriteLine($"decode step body (8 rows): {decode * 1e3:F1} ms");
        }
        {
            var random = new Random(0);
            var prompts = Enumerable.Range(0, 8)
                .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 256).Select(_ => random.Next((int)config.VocabSize)).ToArray()).ToList();
            var options = new GenerationOptions { DoSample = false, MaxNewTokens = 32 };
            var whole = Time(() => Sampler.Generate(model, prompts, options), repeats: 2);
            Console.WriteLine($"greedy generation 8×256 + 32: {whole * 1e3:F0} ms ({8 * 32 / whole:F1} tok/s)");
        }
        {
            using var scope = NewScope();
            var ids = RandInt(0, config.VocabSize, [trainBatch, 256], generator);
            var mask = OnesLike(ids);
            using var optimizer = new AdamW(model.Parameters(), lr: 1e-5);
            double forward = 0, score = 0, backward = 0, step = 0;
            // The first step is a warm-up (gradient and AdamW buffers allocated, caching allocator filled); the
            // second is timed phase by phase.
            for (var i = 0; i < 2; i++)
            {
                using var stepScope = NewScope();
                Tensor? hidden = null;
                forward = Time(() => hidden = model.ForwardHidden(ids, mask), repeats: 1);
                var (lp, _) = (default(Tensor)!, default(Tensor)!);
                score = Time(() => (lp, _) = LogProbs.FromHidden(hidden!, model.LmHeadWeight, ids, mask, new LogProbOptions { WithEntropy = false }), repeats: 1);
                backward = Time(() => (-lp.Sum()).Backward(), repeats: 1);
                step = Time(optimizer.Step, repeats: 1);
                optimizer.ZeroGrad();
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train {trainBatch}×256 (warm): body forward {forward * 1e3:F0} ms, fused scoring forward {score * 1e3:F0} ms, backward {backward * 1e3:F0} ms, AdamW step {step * 1e3:F0} ms"));
        }
    }

    /// <summary>TOOLRL_BENCH_CPU=1: report the process's CPU time instead of wall time (steadier on a busy machine when
    /// running on one thread; meaningless with several).</summary>
    private static readonly bool CpuTime = Environment.GetEnvironmentVariable("TOOLRL_BENCH_CPU") == "1";

    private static double Time(Action action, int repeats = 3)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            action();
            best = Math.Min(best, CpuTime ? (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds : sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
