using System.Diagnostics;

namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// Per-call cost of a small op through the binding (add of two 16-element float tensors, result disposed, or
/// owned by a TensorScope) against the same loop in python3-torch — same libtorch, same machine, alternating
/// short batches (median of each). Target: ≤ 0.6× Python. Both sides use one intra-op thread.
/// </summary>
public sealed class TorchCallOverheadBenchmark : IBenchmark
{
    private const int Batch = 50_000;
    private const int Turns = 15;

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
            var (d, s) = (PythonWorker.Median(disposed), PythonWorker.Median(scoped));
            Console.WriteLine($"  C# add (explicit Dispose): {d:F3} µs/call");
            Console.WriteLine($"  C# add (TensorScope):      {s:F3} µs/call");
            if (theirs.Count > 0)
            {
                var reference = PythonWorker.Median(theirs);
                Console.WriteLine($"  python3-torch torch.add:   {reference:F3} µs/call");
                Console.WriteLine($"  ratio C#/Python: {d / reference:F2} (dispose), {s / reference:F2} (scope); target ≤ 0.60");
            }
        }
        finally
        {
            ToolRL.Torch.Torch.IntraOpThreads = threads;
        }
    }

    private static double Time(Action body)
    {
        var sw = Stopwatch.StartNew();
        body();
        return sw.Elapsed.TotalMilliseconds * 1000 / Batch;
    }
}
