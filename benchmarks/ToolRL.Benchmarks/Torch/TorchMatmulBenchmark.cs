
namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// 1024×1024 float32 matmul GFLOPS through the binding against python3-torch (the same libtorch and OpenBLAS),
/// default intra-op threads on both sides, alternating short batches (median of each). Target: ≥ 0.95×.
/// </summary>
public sealed class TorchMatmulBenchmark : IBenchmark
{
    private const int N = 1024;
    private const int Batch = 5;
    private const int Turns = 15;

    public string Name => "torch-matmul";

    public void Run()
    {
        using var g = new ToolRL.Torch.Generator(0);
        using var a = torch.Randn([N, N], g);
        using var b = torch.Randn([N, N], g);
        using var python = PythonWorker.Start($$"""
            import time, torch
            g = torch.Generator().manual_seed(0)
            a = torch.randn({{N}}, {{N}}, generator=g); b = torch.randn({{N}}, {{N}}, generator=g)
            a @ b
            def measure():
                t = time.perf_counter()
                for i in range({{Batch}}):
                    a @ b
                return 2 * {{N}}**3 * {{Batch}} / (time.perf_counter() - t) / 1e9
            """);
        a.MatMul(b).Dispose();
        var ours = new List<double>();
        var theirs = new List<double>();
        for (var turn = 0; turn < Turns; turn++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < Batch; i++)
            {
                a.MatMul(b).Dispose();
            }
            ours.Add(2.0 * N * N * N * Batch / sw.Elapsed.TotalSeconds / 1e9);
            if (python?.Measure() is { } py)
            {
                theirs.Add(py);
            }
        }
        var gflops = PythonWorker.Median(ours);
        Console.WriteLine($"  C# matmul {N}² f32: {gflops:F1} GFLOPS (median of {Turns} batches), {torch.IntraOpThreads} intra-op threads");
        if (theirs.Count > 0)
        {
            var reference = PythonWorker.Median(theirs);
            Console.WriteLine($"  python3-torch:      {reference:F1} GFLOPS (same libtorch and OpenBLAS)");
            Console.WriteLine($"  ratio C#/libtorch: {gflops / reference:F2}; target ≥ 0.95");
        }
    }
}
