using System.Diagnostics;
using System.Globalization;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.Optim;
using static ToolRL.Torch.Torch;

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
        Console.WriteLine($"intra-op threads: {IntraOpThreads}");
        var config = new Qwen2Config
        {
            VocabSize = 151936, HiddenSize = 256, IntermediateSize = 704, NumHiddenLayers = 4, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, RopeTheta = 1e6,
        };
        using var model = Qwen2ForCausalLM.CreateRandom(config, seed: 0);
        using var generator = new Generator(0);
        using (NoGrad())
        {
            using var scope = NewScope();
            var ids = RandInt(0, config.VocabSize, [8, 256], generator);
            using var cache = model.CreateCache(8, 320);
            var prefill = Time(() => model.ForwardHidden(ids, cache: cache).Dispose(), repeats: 1);
            Console.WriteLine($"prefill 8×256 body: {prefill * 1e3:F0} ms");
            var hidden = Randn([8, 256]);
            Time(() => model.Logits(hidden).Dispose());
            Console.WriteLine($"lm_head 8 rows: {Time(() => model.Logits(hidden).Dispose()) * 1e3:F1} ms");
            Console.WriteLine($"lm_head 8 rows as W·hᵀ: {Time(() => model.LmHeadWeight.MatMul(hidden.T()).T().Contiguous().Dispose()) * 1e3:F1} ms");
            var logits = model.Logits(hidden);
            Console.WriteLine($"logsumexp: {Time(() => logits.LogSumExp(-1).Dispose()) * 1e3:F1} ms; log_softmax: {Time(() => logits.LogSoftmax(-1).Dispose()) * 1e3:F1} ms");
            Console.WriteLine($"argmax: {Time(() => logits.ArgMax(-1).Dispose()) * 1e3:F1} ms; token log-prob: " +
                $"{Time(() => ToolRL.Torch.NN.Functional.TokenLogProbs(logits, logits.ArgMax(-1)).Dispose()) * 1e3:F1} ms");
            var next = ids.Narrow(1, 0, 1).Contiguous();
            var decode = Time(() => model.ForwardHidden(next, cache: cache).Dispose(), repeats: 10);
            Console.WriteLine($"decode step body (8 rows): {decode * 1e3:F1} ms");
        }
        {
            using var scope = NewScope();
            var ids = RandInt(0, config.VocabSize, [4, 256], generator);
            var mask = OnesLike(ids);
            Tensor? hidden = null;
            var forward = Time(() => hidden = model.ForwardHidden(ids, mask), repeats: 1);
            var (lp, _) = (default(Tensor)!, default(Tensor)!);
            var score = Time(() => (lp, _) = LogProbs.FromHidden(hidden!, model.LmHeadWeight, ids, mask, new LogProbOptions { WithEntropy = false }), repeats: 1);
            var backward = Time(() => (-lp.Sum()).Backward(), repeats: 1);
            using var optimizer = new AdamW(model.Parameters(), lr: 1e-5);
            var step = Time(optimizer.Step, repeats: 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train 4×256: body forward {forward * 1e3:F0} ms, fused scoring forward {score * 1e3:F0} ms, backward {backward * 1e3:F0} ms, AdamW step {step * 1e3:F0} ms"));
        }
    }

    private static double Time(Action action, int repeats = 3)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
