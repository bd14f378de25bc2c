using System.Diagnostics;

namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// Per-call cost of a small op through the binding (add of two 16-element float tensors, result disposed, or
/// owned by a TensorScope) against the same loop in python3-torch (<c>torch.add(a, b)</c>, result dropped, so freed
/// by its refcount) — same libtorch, same machine, alternating short batches. Both the median and the best batch
/// of each side are reported: on this shared 2-core machine other jobs slow whole batches down by up to 2×, and
/// the best batch (as Python's timeit advises) is the estimate of the intrinsic per-call cost least distorted by
/// them; the median shows the typical figure under the load of the moment. Target: ≤ 0.6× Python. Both sides use
/// one intra-op thread.
/// </summary>
public sealed class TorchCallOverheadBenchmark : IBenchmark
{
    private const int Batch = 10_000;
    private const int Turns = 60;

    public string Name => "torch-overhead";

    public void Run()
    {
        var threads = ToolRL.Torch.Torch.IntraOpThreads;
        ToolRL.Torch.Torch.IntraOpThreads = 1;
        try
        {
            using var a = ToolRL.Torch.Torch.Ones([16]);
            using var b = ToolRL.Torch.Torch.Ones([16]);
            using var python = PythonWorker.Start($$"""
                import time, torch
                torch.set_num_threads(1)
                a = torch.ones(16); b = torch.ones(16)
                def measure():
                    t = time.perf_counter()
                    for i in range({{Batch}}):
                        torch.add(a, b)
                    return (time.perf_counter() - t) / {{Batch}} * 1e6
                """);
            var disposed = new List<double>();
            var scoped = new List<double>();
            var theirs = new List<double>();
            for (var turn = 0; turn < Turns; turn++)
            {
                disposed.Add(Time(() =>
                {
                    for (var i = 0; i < Batch; i++)
                    {
                        a.Add(b).Dispose();
                    }
                }));
                scoped.Add(Time(() =>
                {
                    for (var i = 0; i < Batch / 100; i++)
                    {
                        using var scope = ToolRL.Torch.Torch.NewScope();
                        for (var j = 0; j < 100; j++)
                        {
                            _ = a + b;
                        }
                    }
                }));
                if (python?.Measure() is { } py)
                {
                    theirs.Add(py);
                }
            }
            Report("C# add (explicit Dispose)", disposed);
            Report("C# add (TensorScope)", scoped);
            if (theirs.Count > 0)
            {
                Report("python3-torch torch.add", theirs);
                var (pm, pb) = (PythonWorker.Median(theirs), theirs.Min());
                Console.WriteLine($"  ratio C#/Python, median: {PythonWorker.Median(disposed) / pm:F2} (dispose), {PythonWorker.Median(scoped) / pm:F2} (scope)");
                Console.WriteLine($"  ratio C#/Python, best:   {disposed.Min() / pb:F2} (dispose), {scoped.Min() / pb:F2} (scope); target ≤ 0.60");
            }
        }
        finally
        {
            ToolRL.Torch.Torch.IntraOpThreads = threads;
        }
    }

    private static void Report(string label, List<double> perCall) =>
        Console.WriteLine($"  {label + ":",-28} median {PythonWorker.Median(perCall):F3} µs/call, best {perCall.Min():F3}");

    private static double Time(Action body)
    {
        var sw = Stopwatch.StartNew();
        body();
        return sw.Elapsed.TotalMilliseconds * 1000 / Batch;
    }
}
