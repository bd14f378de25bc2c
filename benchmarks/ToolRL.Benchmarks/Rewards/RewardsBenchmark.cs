using System.Text.Json.Nodes;
using ToolRL.Rewards;
using ToolRL.Tokenization;

namespace ToolRL.Benchmarks.Rewards;

/// <summary>
/// <c>rewards</c>: ToolRL reward throughput on the published vectors, against the Python port
/// (tools/rewards/rlla_port.py) timed in the same run:
/// single thread with default flags (the GT parsed on every call, as the reference does; and pre-parsed),
/// every vector with its own flags, and batch scoring through <see cref="ToolRLRewardFunction"/> on all cores.
/// </summary>
public sealed class RewardsBenchmark : IBenchmark
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    public string Name => "rewards";

    public void Run()
    {
        var root = BenchmarkPaths.RepoRoot;
        var vectorsPath = BenchmarkPaths.ReferenceData("data", "reward_vectors.jsonl");
        var all = File.ReadLines(vectorsPath).Select(Parse).ToArray();
        var defaults = all.Where(v => v.Options == ToolRLRewardOptions.Default && v.Step == 0).ToArray();
        var parsed = defaults.Select(v => (v.Response, Gt: ToolRLGroundTruth.Parse(v.GroundTruth))).ToArray();
        Console.WriteLine($"  {defaults.Length} default-flag cases (of {all.Length} vectors), {Environment.ProcessorCount} cores, " +
            $"load average {LoadAverage()}");

        // Warm-up: let tiered JIT reach optimised code before timing.
        Rate(() => { foreach (var v in all) { ToolRLReward.Score(v.Response, v.GroundTruth, v.Options, v.Step); } return all.Length; }, TimeSpan.FromSeconds(3));

        var single = Rate(() => { foreach (var v in defaults) { ToolRLReward.Score(v.Response, v.GroundTruth, ToolRLRewardOptions.Default); } return defaults.Length; }, Window);
        var preParsed = Rate(() => { foreach (var (r, gt) in parsed) { ToolRLReward.Score(r, gt, ToolRLRewardOptions.Default); } return parsed.Length; }, Window);
        var mixed = Rate(() => { foreach (var v in all) { ToolRLReward.Score(v.Response, v.GroundTruth, v.Options, v.Step); } return all.Length; }, Window);

        var batch = Enumerable.Range(0, 100).SelectMany(_ => defaults)
            .Select(v => new RewardSample { Prompt = Array.Empty<ChatMessage>(), Completion = v.Response, GroundTruth = v.GroundTruth })
            .ToArray();
        var function = new ToolRLRewardFunction();
        var parallel = Rate(() => function.Score(batch).Count, Window);

        var python = RunPython(root, vectorsPath);
        Console.WriteLine($"  {"C# single thread, default flags, GT parsed per call",-58} {single,12:N0} scores/s");
        Console.WriteLine($"  {"C# single thread, default flags, GT pre-parsed",-58} {preParsed,12:N0} scores/s");
        Console.WriteLine($"  {"C# single thread, all 2,083 vectors with their flags",-58} {mixed,12:N0} scores/s");
        Console.WriteLine($"  {$"C# ToolRLRewardFunction batch of {batch.Length:N0}, {Environment.ProcessorCount} cores",-58} {parallel,12:N0} scores/s ({parallel / single:F1}x one thread)");
        if (python is { } p)
        {
            Console.WriteLine($"  {"Python reference-style (env reads, printing to devnull)",-58} {p.ReferenceStyle,12:N0} scores/s -> C# is {single / p.ReferenceStyle:F1}x");
            Console.WriteLine($"  {"Python lean port (semantics only, no env, no prints)",-58} {p.Lean,12:N0} scores/s -> C# is {single / p.Lean:F1}x");
        }
    }

    private static double Rate(Func<int> pass, TimeSpan window)
    {
        var watch = Stopwatch.StartNew();
        long scored = 0;
        while (watch.Elapsed < window)
        {
            scored += pass();
        }
        return scored / watch.Elapsed.TotalSeconds;
    }

    private static (double ReferenceStyle, double Lean)? RunPython(string root, string vectorsPath)
    {
        var script = Path.Combine(root, "tools", "rewards", "bench_port.py");
        var output = ReferenceProcess.Python([script, vectorsPath, Window.TotalSeconds.ToString(CultureInfo.InvariantCulture)], what: "Python port");
        if (output is null)
        {
            return null;
        }
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return (values["reference_style_scores_per_second"], values["lean_scores_per_second"]);
    }

    private sealed record Vector(string Response, string GroundTruth, ToolRLRewardOptions Options, int Step);

    private static Vector Parse(string line)
    {
        var json = JsonNode.Parse(line)!.AsObject();
        return new Vector((string)json["response"]!, (string)json["ground_truth"]!,
            ToolRLRewardOptions.FromJson(json["flags"]!.AsObject()), (int)json["step"]!);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
