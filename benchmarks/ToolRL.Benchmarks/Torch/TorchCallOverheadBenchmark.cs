using System.Diagnostics;
using System.Globalization;
using ToolRL.Torch;

namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// Per-call overhead of a small op through the binding (add of two 16-element float tensors, result disposed)
/// against the same loop in python3-torch, same libtorch, same machine, same run. Target: ≤ 0.6× Python.
/// Both sides run single-threaded intra-op so only call overhead is compared.
/// </summary>
public sealed class TorchCallOverheadBenchmark : IBenchmark
{
    private const int Iterations = 200_000;

    public string Name => "torch-overhead";

    public void Run()
    {
        var threads = ToolRL.Torch.Torch.IntraOpThreads;
        ToolRL.Torch.Torch.IntraOpThreads = 1;
        try
        {
            using var a = ToolRL.Torch.Torch.Ones([16]);
            using var b = ToolRL.Torch.Torch.Ones([16]);
            double best = double.MaxValue, bestScoped = double.MaxValue;
            for (var round = 0; round < 5; round++)
            {
                best = Math.Min(best, Time(() =>
                {
                    for (var i = 0; i < Iterations; i++)
                    {
                        a.Add(b).Dispose();
                    }
                }));
                bestScoped = Math.Min(bestScoped, Time(() =>
                {
                    for (var i = 0; i < Iterations / 1000; i++)
                    {
                        using var scope = ToolRL.Torch.Torch.NewScope();
                        for (var j = 0; j < 1000; j++)
                        {
                            _ = a + b;
                        }
                    }
                }));
            }
            var python = PythonReference.Run($$"""
                import time, torch
                torch.set_num_threads(1)
                a = torch.ones(16); b = torch.ones(16)
                best = 1e9
                for r in range(5):
                    t = time.perf_counter()
                    for i in range({{Iterations}}):
                        torch.add(a, b)
                    best = min(best, time.perf_counter() - t)
                print(best / {{Iterations}} * 1e6)
                """);
            Console.WriteLine($"  C# add (explicit Dispose): {best:F3} µs/call");
            Console.WriteLine($"  C# add (TensorScope):      {bestScoped:F3} µs/call");
            if (python is not null)
            {
                var py = double.Parse(python, CultureInfo.InvariantCulture);
                Console.WriteLine($"  python3-torch torch.add:   {py:F3} µs/call");
                Console.WriteLine($"  ratio C#/Python: {best / py:F2} (dispose), {bestScoped / py:F2} (scope); target ≤ 0.60");
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
        return sw.Elapsed.TotalMilliseconds * 1000 / Iterations;
    }
}
