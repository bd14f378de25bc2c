
namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// Per-call cost of small ops through the binding against the same loop in python3-torch (result dropped, so freed
/// by its refcount) — same libtorch, same machine, alternating short batches. Cases: <c>add</c> of two 16-element
/// float tensors, result disposed or owned by a TensorScope (the bridge's small-tensor arithmetic path,
/// native/src/small_ops.cpp), and <c>exp</c> of one (libtorch's dispatcher and TensorIterator, like every op outside
/// that path). Both the median and the best batch of each side are reported: on this shared 2-core machine other
/// jobs slow whole batches down by up to 2×, and the best batch (as Python's timeit advises) is the estimate of the
/// intrinsic per-call cost least distorted by them. Target: ≤ 0.6× Python. Both sides use one intra-op thread.
/// </summary>
public sealed class TorchCallOverheadBenchmark : IBenchmark
{
    private const int Batch = 10_000;
    private const int Turns = 60;
    private const int ScopeSize = 100;   // results owned by one scope, disposed together

    public string Name => "torch-overhead";

    public void Run()
    {
        var threads = torch.IntraOpThreads;
        torch.IntraOpThreads = 1;
        try
        {
            using var a = torch.Ones([16]);
            using var b = torch.Ones([16]);
            Compare("torch.add(a, b)",
                ("C# add (explicit Dispose)", 1, () => a.Add(b).Dispose()),
                ("C# add (TensorScope)", ScopeSize, () =>
                {
                    using var scope = torch.NewScope();
                    for (var j = 0; j < ScopeSize; j++)
                    {
                        _ = a + b;
                    }
                }));
            Compare("torch.exp(a)", ("C# exp (explicit Dispose)", 1, () => a.Exp().Dispose()));
        }
        finally
        {
            torch.IntraOpThreads = threads;
        }
    }

    /// <summary>Times each C# case (an action making <c>Calls</c> calls) against <paramref name="pythonCall"/> and prints the ratios.</summary>
    private static void Compare(string pythonCall, params (string Label, int Calls, Action Run)[] cases)
    {
        using var python = PythonWorker.Start($$"""
            import time, torch
            torch.set_num_threads(1)
            a = torch.ones(16); b = torch.ones(16)
            def measure():
                t = time.perf_counter()
                for i in range({{Batch}}):
                    {{pythonCall}}
                return (time.perf_counter() - t) / {{Batch}} * 1e6
            """);
        var ours = cases.Select(_ => new List<double>()).ToArray();
        var theirs = new List<double>();
        for (var turn = 0; turn < Turns; turn++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var (_, calls, run) = cases[c];
                ours[c].Add(Time(() =>
                {
                    for (var i = 0; i < Batch / calls; i++)
                    {
                        run();
                    }
                }));
            }
            if (python?.Measure() is { } py)
            {
                theirs.Add(py);
            }
        }
        for (var c = 0; c < cases.Length; c++)
        {
            Report(cases[c].Label, ours[c]);
        }
        if (theirs.Count == 0)
        {
            return;
        }
        Report($"python3-torch {pythonCall}", theirs);
        var (pm, pb) = (PythonWorker.Median(theirs), theirs.Min());
        foreach (var (label, times) in cases.Select((c, i) => (c.Label, ours[i])))
        {
            Console.WriteLine($"  ratio {label} / Python: median {PythonWorker.Median(times) / pm:F2}, best {times.Min() / pb:F2}; target ≤ 0.60");
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
