using System.Text;
using System.Text.Json;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Benchmarks;

/// <summary>
/// Qwen2.5 encoding throughput (MB/s of UTF-8 input, tokens/s, one thread) on the rlla prompts (external data,
/// from TOOLRL_REFERENCE_DATA), against Microsoft.ML.Tokenizers' BpeTokenizer configured from the same tokenizer.json
/// (in process, warm) and @lenml/tokenizers on node (tools/tokenizer/bench-node.mjs), all in the same run.
/// </summary>
public sealed class TokenizerBenchmark : IBenchmark
{
    private const double Seconds = 5;

    /// <inheritdoc />
    public string Name => "tokenizer";

    /// <inheritdoc />
    public void Run()
    {
        var repo = BenchmarkPaths.RepoRoot;
        var tokenizerDir = BenchmarkPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "qwen2.5");
        var texts = LoadPrompts(Path.GetDirectoryName(BenchmarkPaths.ReferenceData("data", "rlla", "test.jsonl"))!);
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        Console.WriteLine($"corpus: {texts.Count} rlla prompt messages, {bytes / 1e6:F2} MB UTF-8");

        var load = Stopwatch.StartNew();
        var tokenizer = Qwen2Tokenizer.FromDirectory(tokenizerDir);
        Console.WriteLine($"load tokenizer.json: {load.Elapsed.TotalMilliseconds:F0} ms");

        var (tokens, ours) = Measure("ToolRL.NET", texts, bytes, t => tokenizer.EncodeToIds(t).Count);

        // A second instance: empty piece cache but already-compiled code, to separate JIT from cache misses.
        var fresh = Qwen2Tokenizer.FromDirectory(tokenizerDir);
        var uncached = Stopwatch.StartNew();
        texts.ForEach(t => fresh.EncodeToIds(t));
        Console.WriteLine($"ToolRL.NET empty cache, jitted: {bytes / uncached.Elapsed.TotalSeconds / 1e6:F2} MB/s");

        // Microsoft.ML.Tokenizers' BpeTokenizer from the same tokenizer.json: same process, same texts, warm.
        var bpeLoad = Stopwatch.StartNew();
        var bpe = BpeOracle.FromTokenizerJson(Path.Combine(tokenizerDir, "tokenizer.json"));
        Console.WriteLine($"load BpeTokenizer: {bpeLoad.Elapsed.TotalMilliseconds:F0} ms");
        var (bpeTokens, ml) = Measure("ML.Tokenizers BpeTokenizer", texts, bytes, t => bpe.EncodeToIds(t).Count);
        if (bpeTokens != tokens)
        {
            Console.WriteLine($"WARNING: BpeTokenizer counted {bpeTokens} tokens, ToolRL.NET {tokens}");
        }
        Console.WriteLine($"speed-up vs BpeTokenizer: {ours / ml:F2}x (warm, one thread, same process)");

        var node = RunNode(repo, texts, tokenizerDir);
        if (node is null)
        {
            return;
        }
        if (node.Value.Tokens != tokens)
        {
            Console.WriteLine($"WARNING: node counted {node.Value.Tokens} tokens, ToolRL.NET {tokens}");
        }
        var reference = Report("@lenml/tokenizers (node)", node.Value.Bytes, node.Value.Tokens, node.Value.Passes, node.Value.Seconds, node.Value.ColdSeconds);
        Console.WriteLine($"speed-up vs node: {ours / reference:F2}x (warm, one thread)");
    }

    /// <summary>A cold first pass, then warm passes for <see cref="Seconds"/>; prints the figures, returns (tokens, warm MB/s).</summary>
    private static (long Tokens, double MegabytesPerSecond) Measure(string who, List<string> texts, long bytes, Func<string, int> encode)
    {
        var cold = Stopwatch.StartNew();
        var tokens = texts.Sum(t => (long)encode(t));
        var coldSeconds = cold.Elapsed.TotalSeconds;
        var (passes, seconds) = Repeat(() => texts.Sum(t => (long)encode(t)));
        return (tokens, Report(who, bytes, tokens, passes, seconds, coldSeconds));
    }

    private static (int Passes, double Seconds) Repeat(Func<long> pass)
    {
        var watch = Stopwatch.StartNew();
        var passes = 0;
        do
        {
            pass();
            passes++;
        }
        while (watch.Elapsed.TotalSeconds < Seconds);
        return (passes, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Prints one line of figures; returns warm MB/s.</summary>
    private static double Report(string who, long bytes, long tokens, int passes, double seconds, double coldSeconds)
    {
        var mbPerSecond = bytes * passes / seconds / 1e6;
        var tokensPerSecond = tokens * passes / seconds;
        Console.WriteLine($"{who,-26} warm {mbPerSecond,7:F2} MB/s {tokensPerSecond / 1e6,6:F2} M tokens/s ({passes} passes in {seconds:F1} s); first pass {bytes / coldSeconds / 1e6:F2} MB/s; {tokens} tokens");
        return mbPerSecond;
    }

    private readonly record struct NodeResult(long Bytes, long Tokens, int Passes, double Seconds, double ColdSeconds);

    private static NodeResult? RunNode(string repo, List<string> texts, string tokenizerDir)
    {
        var script = Path.Combine(repo, "tools", "tokenizer", "bench-node.mjs");
        if (!Directory.Exists(Path.Combine(repo, "tools", "tokenizer", "node_modules")))
        {
            Console.WriteLine("node reference skipped: run `npm ci` in tools/tokenizer first");
            return null;
        }
        var textsPath = Path.Combine(Path.GetTempPath(), $"toolrl-bench-texts-{Environment.ProcessId}.json");
        File.WriteAllText(textsPath, JsonSerializer.Serialize(texts));
        try
        {
            var run = ReferenceProcess.Run(new ProcessStartInfo("node", [script, textsPath, tokenizerDir, Seconds.ToString(CultureInfo.InvariantCulture)]));
            if (run.ExitCode != 0)
            {
                Console.WriteLine($"node reference failed (exit {run.ExitCode}): {run.Error.Trim()}");
                return null;
            }
            using var result = JsonDocument.Parse(run.Output);
            var root = result.RootElement;
            return new NodeResult(root.GetProperty("bytes").GetInt64(), root.GetProperty("tokens").GetInt64(),
                root.GetProperty("passes").GetInt32(), root.GetProperty("seconds").GetDouble(), root.GetProperty("coldSeconds").GetDouble());
        }
        finally
        {
            File.Delete(textsPath);
        }
    }

    /// <summary>The prompt messages (system and user contents) of the rlla test and SFT splits.</summary>
    private static List<string> LoadPrompts(string rllaDir)
    {
        var texts = new List<string>();
        foreach (var file in new[] { "test.jsonl", "rlla_sft_rlformat.jsonl" })
        {
            foreach (var line in File.ReadLines(Path.Combine(rllaDir, file)).Where(l => !string.IsNullOrWhiteSpace(l)))
            {
                using var row = JsonDocument.Parse(line);
                texts.AddRange(row.RootElement.GetProperty("prompt").EnumerateArray().Select(m => m.GetProperty("content").GetString()!));
            }
        }
        return texts;
    }
}
