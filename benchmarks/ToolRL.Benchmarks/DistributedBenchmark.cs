using ToolRL.Distributed;
using ToolRL.Torch.Distributed;
using ToolRL.Training;

namespace ToolRL.Benchmarks;

/// <summary>
/// <c>distributed</c>: one full fine-tuning step of the 0.5B slice (hidden 896, 2 layers, vocab 151,936, tied embeddings
/// as Qwen2.5-0.5B) on a global batch of 2 micro-batches of 2 × 256 tokens, run two ways on the same machine:
/// 1 process × 2 intra-op threads (both micro-batches, then the clip and AdamW of a ParameterGroup) against 2 data-parallel processes × 1 thread (one
/// micro-batch each, the float64 gradient buckets all-reduced over gloo, then AdamW), the all-reduce started after the
/// backward and then overlapping it (with the wait left after the backward timed on its own); then the 2 ranks again
/// with the AdamW state sharded (ZeRO-1), with each rank's optimizer-state bytes and peak RSS. The parent starts the ranks as children of itself (this benchmark with torchrun's variables) and hosts the
/// store. Best of 3 warm steps each.
/// </summary>
public sealed class DistributedBenchmark : IBenchmark
{
    // TOOLRL_BENCH_VOCAB shrinks the vocabulary (and the embedding, the largest tensor) when memory is short: two ranks
    // of the full slice peak at about 6.5 GB each.
    private static readonly Qwen2Config Slice = new()
    {
        VocabSize = int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_BENCH_VOCAB"), out var vocab) ? vocab : 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 2, NumAttentionHeads = 14,
        NumKeyValueHeads = 2, RopeTheta = 1e6, TieWordEmbeddings = true,
    };

    private const int Repeats = 3;

    /// <inheritdoc />
    public string Name => "distributed";

    /// <inheritdoc />
    public void Run()
    {
        if (DistributedEnvironment.FromEnvironment() is { } rank)
        {
            RunRank(rank);
            return;
        }
        Console.WriteLine(Invariant($"0.5B slice (tied embeddings, vocab {Slice.VocabSize}), global batch 2 micro-batches × 2 × 256 tokens, full fine-tuning with AdamW"));
        var single = SingleProcess();
        Console.WriteLine(Invariant($"1 process × 2 threads: {single * 1e3:F0} ms/step"));
        foreach (var (shard, overlap) in new[] { (false, false), (false, true), (true, true) })
        {
            var r = TwoRanks(shard, overlap);
            var how = overlap ? "all-reduce overlapping the backward" : "all-reduce after the backward";
            Console.WriteLine(Invariant($"2 processes × 1 thread, {how}{(shard ? ", ZeRO-1" : "")}: {r.Step * 1e3:F0} ms/step, waiting for the all-reduce after the backward {r.AllReduce * 1e3:F0} ms ({r.Buckets} float64 buckets); ×{single / r.Step:F2} against 1 × 2; AdamW state per rank {Measure.Mib(r.OptimizerBytes)}, peak RSS rank 0 {Measure.Mib(r.PeakRss)}"));
        }
    }

    private static double SingleProcess()
    {
        IntraOpThreads = 2;
        using var model = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);
        using var optimizer = new ParameterGroup("bench", model.TrainableParameters(), 1e-5, 0.01, 1.0);
        var batches = new[] { Batch(0), Batch(1) };
        try
        {
            return Best(() =>
            {
                optimizer.ZeroGrad();
                foreach (var ids in batches)
                {
                    Backward(model, ids, optimizer, lastMicroBatch: ids == batches[^1]);
                }
                optimizer.Step();
            });
        }
        finally
        {
            foreach (var ids in batches)
            {
                ids.Dispose();
            }
        }
    }

    private static (double Step, double AllReduce, int Buckets, long OptimizerBytes, long PeakRss) TwoRanks(bool shard, bool overlap)
    {
        using var store = TcpStore.Host(0, TimeSpan.FromMinutes(10));
        var output = Path.Combine(Path.GetTempPath(), $"toolrl-bench-dist-{Guid.NewGuid():N}.txt");
        var children = new List<Process>();
        try
        {
            for (var r = 0; r < 2; r++)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
                {
                    start.ArgumentList.Add(typeof(DistributedBenchmark).Assembly.Location);
                }
                start.ArgumentList.Add("distributed");
                foreach (var (name, value) in new DistributedEnvironment(r, 2, r, "127.0.0.1", store.Port, UseAgentStore: true).ToVariables())
                {
                    start.Environment[name] = value;
                }
                start.Environment["TOOLRL_BENCH_OUTPUT"] = output;
                start.Environment["TOOLRL_BENCH_SHARD"] = shard ? "1" : "0";
                start.Environment["TOOLRL_BENCH_OVERLAP"] = overlap ? "1" : "0";
                children.Add(Process.Start(start)!);
            }
            foreach (var child in children)
            {
                child.WaitForExit();
                if (child.ExitCode != 0)
                {
                    throw new InvalidOperationException($"a rank exited with {child.ExitCode}");
                }
            }
            var parts = File.ReadAllText(output).Split(' ');
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture),
                long.Parse(parts[3], CultureInfo.InvariantCulture), long.Parse(parts[4], CultureInfo.InvariantCulture));
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                }
                child.Dispose();
            }
            File.Delete(output);
        }
    }

    /// <summary>One rank: its micro-batch, the float64 gradient sum over both ranks, AdamW (whole or ZeRO-1); rank 0 writes the figures.</summary>
    private static void RunRank(DistributedEnvironment environment)
    {
        IntraOpThreads = 1;
        using var group = ProcessGroup.Init(environment, DistributedBackend.Gloo, TimeSpan.FromMinutes(10));
        using var model = Qwen2ForCausalLM.CreateRandom(Slice, seed: 0);
        var parameters = model.TrainableParameters().ToArray();
        using var optimizer = ParameterGroup.DataParallel("bench", parameters, 1e-5, 0.01, 1.0, group, Environment.GetEnvironmentVariable("TOOLRL_BENCH_SHARD") == "1");
        optimizer.OverlapAllReduce = Environment.GetEnvironmentVariable("TOOLRL_BENCH_OVERLAP") == "1";
        using var ids = Batch(group.Rank);
        var allReduce = double.MaxValue;
        var step = Best(() =>
        {
            group.Barrier();   // both ranks start the step together
            optimizer.ZeroGrad();
            Backward(model, ids, optimizer, lastMicroBatch: true);
            optimizer.Step();
            allReduce = Math.Min(allReduce, optimizer.LastAllReduceSeconds);
        });
        if (group.Rank == 0)
        {
            File.WriteAllText(Environment.GetEnvironmentVariable("TOOLRL_BENCH_OUTPUT")!, Invariant($"{step} {allReduce} {optimizer.BucketCount} {optimizer.OptimizerStateBytes} {Measure.PeakRss()}"));
        }
    }

    private static Tensor Batch(int index)
    {
        using var generator = new Generator(index);
        return RandInt(0, Slice.VocabSize, [2, 256], generator).DetachFromScope();
    }

    private static void Backward(Qwen2ForCausalLM model, Tensor ids, ParameterGroup optimizer, bool lastMicroBatch)
    {
        using var scope = NewScope();
        var mask = OnesLike(ids);
        var (lp, _) = LogProbs.ComputeMasked(model, ids, mask, mask, new LogProbOptions { WithEntropy = false });
        optimizer.Backward(-lp.Sum() / (4 * 255), lastMicroBatch);
    }

    private static double Best(Action action)
    {
        action();   // warm-up
        return Measure.BestSeconds(action, Repeats);
    }
}
