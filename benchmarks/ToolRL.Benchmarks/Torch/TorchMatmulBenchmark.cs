using System.Diagnostics;
using System.Globalization;
using ToolRL.Torch;

namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// 1024×1024 float32 matmul GFLOPS through the binding against python3-torch (the same libtorch and BLAS),
/// default intra-op threads on both sides. Target: ≥ 0.95× libtorch's own figure.
/// </summary>
public sealed class TorchMatmulBenchmark : IBenchmark
{
    private const int N = 1024;
    private const int Repeats = 20;

    public string Name => "torch-matmul";

    public void Run()
    {
        using var g = new Generator(0);
        using var a = ToolRL.Torch.Torch.Randn([N, N], g);
        using var b = ToolRL.Torch.Torch.Randn([N, N], g);
        a.MatMul(b).Dispose();
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < Repeats; i++)
            {
                a.MatMul(b).Dispose();
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds / Repeats);
        }
        var gflops = 2.0 * N * N * N / best / 1e9;
        var python = PythonReference.Run($$"""
            import time, torch
            g = torch.Generator().manual_seed(0)
            a = torch.randn({{N}}, {{N}}, generator=g); b = torch.randn({{N}}, {{N}}, generator=g)
            a @ b
            best = 1e9
            for r in range(5):
                t = time.perf_counter()
                for i in range({{Repeats}}):
                    a @ b
                best = min(best, (time.perf_counter() - t) / {{Repeats}})
            print(2 * {{N}}**3 / best / 1e9)
            """);
        Console.WriteLine($"  C# matmul {N}² f32: {gflops:F1} GFLOPS ({best * 1e3:F2} ms), {ToolRL.Torch.Torch.IntraOpThreads} threads");
        if (python is not null)
        {
            var py = double.Parse(python, CultureInfo.InvariantCulture);
            Console.WriteLine($"  python3-torch:      {py:F1} GFLOPS");
            Console.WriteLine($"  ratio C#/libtorch: {gflops / py:F2}; target ≥ 0.95");
        }
    }
}
