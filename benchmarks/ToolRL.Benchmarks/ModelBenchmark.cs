using System.Text.Json;
using ToolRL.Torch.Optim;

namespace ToolRL.Benchmarks;

/// <summary>
/// <c>model</c>: Qwen2 train step (forward + backward + AdamW, full-vocabulary loss) and greedy generation against
/// tools/model/qwen2_eager.py (the project's plain PyTorch-eager Qwen2 on the same libtorch) in the same run, on two shapes.
/// Also reports model FLOP utilisation against a measured float32 matmul peak and peak resident memory against
/// weights + gradients + AdamW state + KV cache, and the train step with per-layer gradient checkpointing (speed and
/// peak memory). Set TOOLRL_BENCH_QUICK=1 for one small shape only, TOOLRL_BENCH_ONE_THREAD=1 for single-thread runs only.
/// </summary>
public sealed class ModelBenchmark : IBenchmark
{
    private sealed record Shape(string Name, int Hidden, int Layers, int Heads, int KvHeads, int Intermediate,
        int TrainBatch, int TrainSeq, int GenBatch, int GenPrompt, int GenNew);

    private static readonly Shape[] Shapes =
    [
        new("small", 256, 4, 4, 2, 704, TrainBatch: 4, TrainSeq: 256, GenBatch: 8, GenPrompt: 256, GenNew: 64),
        new("0.5B slice", 896, 2, 14, 2, 4864, TrainBatch: 2, TrainSeq: 256, GenBatch: 8, GenPrompt: 256, GenNew: 32),
    ];

    /// <inheritdoc />
    public string Name => "model";

    /// <inheritdoc />
    public void Run()
    {
        var quick = Environment.GetEnvironmentVariable("TOOLRL_BENCH_QUICK") == "1";
        var steps = quick ? 1 : 3;
        var cores = Environment.ProcessorCount;
        // TOOLRL_BENCH_ONE_THREAD=1: only the single-thread runs (ours at 1 thread, the reference at its default),
        // for a busy shared machine where multi-threaded runs mostly measure the other processes.
        var oneThread = Environment.GetEnvironmentVariable("TOOLRL_BENCH_ONE_THREAD") == "1";
        int[] threadCounts = oneThread || cores == 1 ? [1] : [cores, 1];
        var defaultThreads = IntraOpThreads;
        IntraOpThreads = cores;
        var peak = MatmulPeakGflops();
        IntraOpThreads = 1;
        var peakOne = MatmulPeakGflops();
        Console.WriteLine($"libtorch default threads here: {defaultThreads} (the reference runs at its default unless noted); {cores} cores");
        Console.WriteLine($"float32 matmul peak (1024³): {peak:F1} GFLOP/s on {cores} threads, {peakOne:F1} on 1");
        Console.WriteLine("figures from a shared 2-core machine: compare ratios from the same run, not absolute numbers across runs");
        foreach (var shape in quick ? Shapes[..1] : Shapes)
        {
            var dir = MakeModel(shape);
            var config = Qwen2Config.FromDirectory(dir);
            var trainTokens = shape.TrainBatch * (shape.TrainSeq - 1);
            var trainFlops = 3 * ForwardFlops(config, shape.TrainSeq - 1) * shape.TrainBatch;
            var refTrain = Reference((int?)null, "bench-train", dir, "--batch", shape.TrainBatch, "--seq", shape.TrainSeq, "--steps", steps)
                .GetProperty("tokens_per_s").GetDouble();
            var refTrainAll = oneThread ? double.NaN : Reference(cores, "bench-train", dir, "--batch", shape.TrainBatch, "--seq", shape.TrainSeq, "--steps", steps)
                .GetProperty("tokens_per_s").GetDouble();
            var refTrainKept = Reference(KeepFreedMemory, "bench-train", dir, "--batch", shape.TrainBatch, "--seq", shape.TrainSeq, "--steps", steps)
                .GetProperty("tokens_per_s").GetDouble();
            foreach (var threads in threadCounts)
            {
                IntraOpThreads = threads;
                var (seconds, memory) = OurTrain(dir, shape, steps);
                Report(shape, "train step", threads, refTrain, refTrainAll, trainTokens / seconds, 1.5);
                ReportKept(refTrainKept, trainTokens / seconds);
                Console.WriteLine($"      MFU {trainFlops / seconds / 1e9 / (threads == 1 ? peakOne : peak):P0} ({trainFlops / seconds / 1e9:F1} GFLOP/s); " +
                    $"peak RSS {Measure.Mib(memory.PeakRss)} vs weights+grads+AdamW {Measure.Mib(memory.Expected)}");
            }
            {
                // Per-layer gradient checkpointing: one more body forward per step, activations of one layer at a time.
                IntraOpThreads = 1;
                var (seconds, memory) = OurTrain(dir, shape, steps, checkpointing: true);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {shape.Name,-11} {"train, checkpointed",-18} ours (1 thr) {trainTokens / seconds,7:F1} tok/s; peak RSS {Measure.Mib(memory.PeakRss)}"));
            }

            var genArgs = new object[] { "--batch", shape.GenBatch, "--prompt", shape.GenPrompt, "--new", shape.GenNew };
            var refGen = Reference((int?)null, "bench-generate", dir, genArgs).GetProperty("generated_tokens_per_s").GetDouble();
            var refGenAll = oneThread ? double.NaN : Reference(cores, "bench-generate", dir, genArgs).GetProperty("generated_tokens_per_s").GetDouble();
            var refGenKept = Reference(KeepFreedMemory, "bench-generate", dir, genArgs).GetProperty("generated_tokens_per_s").GetDouble();
            var genFlops = shape.GenBatch * (ForwardFlops(config, shape.GenPrompt, withHead: false)
                + 2.0 * config.HiddenSize * config.VocabSize + DecodeFlops(config, shape.GenPrompt, shape.GenNew));
            foreach (var threads in threadCounts)
            {
                IntraOpThreads = threads;
                var (seconds, memory) = OurGenerate(dir, shape);
                Report(shape, "greedy generation", threads, refGen, refGenAll, shape.GenBatch * shape.GenNew / seconds, 3);
                ReportKept(refGenKept, shape.GenBatch * shape.GenNew / seconds);
                Console.WriteLine($"      MFU {genFlops / seconds / 1e9 / (threads == 1 ? peakOne : peak):P0}; " +
                    $"peak RSS {Measure.Mib(memory.PeakRss)} vs weights+KV cache {Measure.Mib(memory.Expected)}");
            }
        }
        IntraOpThreads = defaultThreads;
    }

    private static void Report(Shape shape, string what, int threads, double reference, double referenceAllCores, double ours, double target) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {shape.Name,-11} {what,-18} ours ({threads} thr) {ours,7:F1} tok/s | reference default {reference,7:F1} → ×{ours / reference:F2} (target ×{target}) | reference all cores {referenceAllCores,7:F1} → ×{ours / referenceAllCores:F2}"));

    /// <summary>
    /// The reference (its default threads) with glibc told never to return freed memory to the kernel
    /// (<c>MALLOC_MMAP_MAX_=0</c>, <c>MALLOC_TRIM_THRESHOLD_</c> huge), so it reuses large buffers much as our caching
    /// allocator does. On a VM with expensive page faults plain PyTorch eager maps and zero-fills every large
    /// temporary afresh each step; this column shows how much of our margin is that allocator alone.
    /// </summary>
    private static readonly Dictionary<string, string> KeepFreedMemory = new()
    {
        ["MALLOC_MMAP_MAX_"] = "0",
        ["MALLOC_TRIM_THRESHOLD_"] = "1000000000000",
    };

    private static void ReportKept(double reference, double ours) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      reference with glibc keeping freed memory {reference,7:F1} tok/s → ours ×{ours / reference:F2}"));

    /// <summary>Forward FLOPs of one sequence of <paramref name="t"/> tokens: 2·(linear params)·t + causal attention.</summary>
    private static double ForwardFlops(Qwen2Config c, int t, bool withHead = true)
    {
        double h = c.HiddenSize, kv = c.NumKeyValueHeads * c.HeadDim, q = c.NumAttentionHeads * c.HeadDim;
        var linear = c.NumHiddenLayers * (h * q + 2 * h * kv + q * h + 3 * h * c.IntermediateSize);
        var attention = c.NumHiddenLayers * 2.0 * q * t;   // q·kᵀ and p·v over t/2 keys on average, 2 FLOPs each
        return 2 * linear * t + attention * t + (withHead ? 2.0 * h * c.VocabSize * t : 0);
    }

    private static double DecodeFlops(Qwen2Config c, int prompt, int generated)
    {
        double total = 0;
        for (var i = 1; i < generated; i++)
        {
            double h = c.HiddenSize, kv = c.NumKeyValueHeads * c.HeadDim, q = c.NumAttentionHeads * c.HeadDim;
            var linear = c.NumHiddenLayers * (h * q + 2 * h * kv + q * h + 3 * h * c.IntermediateSize) + h * c.VocabSize;
            total += 2 * linear + c.NumHiddenLayers * 4.0 * q * (prompt + i);
        }
        return total;
    }

    private static double MatmulPeakGflops()
    {
        using var scope = NewScope();
        var a = Randn([1024, 1024]);
        var b = Randn([1024, 1024]);
        a.MatMul(b).Dispose();
        var best = Measure.BestSeconds(() => a.MatMul(b).Dispose(), 5);
        return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
    }

    private sealed record Memory(long PeakRss, long Expected);

    private static (double Seconds, Memory Memory) OurTrain(string dir, Shape shape, int steps, bool checkpointing = false)
    {
        using var model = Qwen2ForCausalLM.FromPretrained(dir);
        model.Model.GradientCheckpointing = checkpointing;
        using var optimizer = new AdamW(model.Parameters(), lr: 1e-5);
        using var generator = new Generator(0);
        using var ids = RandInt(0, model.Config.VocabSize, [shape.TrainBatch, shape.TrainSeq], generator);
        using var mask = OnesLike(ids);
        void Step()
        {
            using var scope = NewScope();
            // Full-vocabulary next-token loss over every position, through the fused chunked scoring.
            var (lp, _) = LogProbs.ComputeMasked(model, ids, mask, mask, new LogProbOptions { WithEntropy = false });
            var loss = -lp.Sum() / (shape.TrainBatch * (shape.TrainSeq - 1));
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        Step();
        Measure.ResetPeakRss();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            Step();
        }
        var seconds = sw.Elapsed.TotalSeconds / steps;
        var paramBytes = model.Parameters().Sum(p => p.NumEl * 4);
        return (seconds, new Memory(Measure.PeakRss(), paramBytes * 4));
    }

    private static (double Seconds, Memory Memory) OurGenerate(string dir, Shape shape)
    {
        using var model = Qwen2ForCausalLM.FromPretrained(dir);
        var random = new Random(0);
        var prompts = Enumerable.Range(0, shape.GenBatch)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, shape.GenPrompt).Select(_ => random.Next((int)model.Config.VocabSize)).ToArray())
            .ToList();
        var options = new GenerationOptions { DoSample = false, MaxNewTokens = shape.GenNew };
        Sampler.Generate(model, prompts, options);
        Measure.ResetPeakRss();
        var sw = Stopwatch.StartNew();
        var result = Sampler.Generate(model, prompts, options);
        var seconds = sw.Elapsed.TotalSeconds;
        if (result.Any(r => r.TokenIds.Count != shape.GenNew))
        {
            throw new InvalidOperationException("a sequence stopped early: the benchmark needs every row to run the full length");
        }
        var cacheBytes = 2L * model.Config.NumHiddenLayers * shape.GenBatch * model.Config.NumKeyValueHeads
            * (shape.GenPrompt + shape.GenNew) * model.Config.HeadDim * 4;
        return (seconds, new Memory(Measure.PeakRss(), model.Parameters().Sum(p => p.NumEl * 4) + cacheBytes));
    }

    /// <summary>Creates (once) the shape's random BF16 model with the reference's own <c>make</c>.</summary>
    private static string MakeModel(Shape shape)
    {
        var dir = Path.Combine(Path.GetTempPath(), "toolrl-bench-models", $"h{shape.Hidden}-l{shape.Layers}-n{shape.Heads}-kv{shape.KvHeads}-i{shape.Intermediate}");
        if (!File.Exists(Path.Combine(dir, "model.safetensors")))
        {
            RunPython("make", dir, ["--hidden", shape.Hidden, "--layers", shape.Layers, "--heads", shape.Heads, "--kv", shape.KvHeads,
                "--inter", shape.Intermediate]);
        }
        return dir;
    }

    private static JsonElement Reference(int? threads, string command, string dir, params object[] args) =>
        Reference(threads is { } n ? new() { ["OMP_NUM_THREADS"] = n.ToString(CultureInfo.InvariantCulture) } : [], command, dir, args);

    private static JsonElement Reference(Dictionary<string, string> environment, string command, string dir, params object[] args)
    {
        var output = RunPython(command, dir, args, environment);
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }

    private static string RunPython(string command, string dir, object[] args, Dictionary<string, string>? environment = null)
    {
        var script = BenchmarkPaths.InRepo("tools", "model", "qwen2_eager.py");
        var psi = new ProcessStartInfo("/usr/bin/python3");
        foreach (var (name, value) in environment ?? [])
        {
            psi.Environment[name] = value;
        }
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(command);
        psi.ArgumentList.Add(dir);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(Convert.ToString(a, CultureInfo.InvariantCulture)!);
        }
        var result = ReferenceProcess.Run(psi);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"qwen2_eager.py {command} failed: {result.Error}");
        }
        return result.Output;
    }
}
