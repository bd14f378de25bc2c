using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ToolRL.Cli.Serving;
using ToolRL.Serving;
using ToolRL.Tokenization;

namespace ToolRL.Benchmarks;

/// <summary>
/// <c>serve</c>: generated tokens per second of <c>toolrl serve</c> (continuous batching) under 1, 8 and 32 concurrent
/// HTTP clients, against <c>toolrl generate</c>'s path (<see cref="Sampler"/>, one prompt per call) on the same 32
/// prompts in the same run, and against one static <see cref="Sampler"/> batch of all 32 (the best a fixed batch does).
/// Greedy, 48 new tokens, the tiny random Qwen2 model (hidden 8, 151,936-token vocabulary: the vocabulary projection
/// and the argmax dominate, as batching helps most).
/// </summary>
public sealed class ServeBenchmark : IBenchmark
{
    private const int NewTokens = 48;

    /// <inheritdoc />
    public string Name => "serve";

    /// <inheritdoc />
    public void Run() => RunAsync().GetAwaiter().GetResult();

    private static async Task RunAsync()
    {
        var folder = TinyModelFolder();
        using var policy = ChatPolicy.Load(folder, modelId: "tiny");
        var prompts = Enumerable.Range(0, 32).Select(i => $"Question {i}: what is {i} times {i + 3}, and why?").ToList();
        var ids = prompts.Select(p => policy.Tokenizer.EncodeToIds(Qwen25ChatTemplate.Render([new ChatMessage("user", p)], addGenerationPrompt: true))).ToList();
        var options = policy.Options(new ChatSampling { Temperature = 0, MaxTokens = NewTokens }, ids.Max(p => p.Count));

        // Warm-up (JIT, allocator) on both paths.
        Sampler.Generate(policy.Model, [ids[0]], options, decode: policy.Decode);
        await policy.CompleteAsync([new ChatMessage("user", prompts[0])], null, new ChatSampling { Temperature = 0, MaxTokens = NewTokens });

        var watch = Stopwatch.StartNew();
        var sequentialTokens = ids.Sum(p => Sampler.Generate(policy.Model, [p], options, decode: policy.Decode)[0].TokenIds.Count);
        var sequential = sequentialTokens / watch.Elapsed.TotalSeconds;
        watch.Restart();
        var batchTokens = Sampler.Generate(policy.Model, ids, options, decode: policy.Decode).Sum(s => s.TokenIds.Count);
        var staticBatch = batchTokens / watch.Elapsed.TotalSeconds;
        Console.WriteLine($"toolrl generate path, one prompt per call: {sequentialTokens} tokens, {sequential:0} tokens/s");
        Console.WriteLine($"Sampler, one static batch of 32:         {batchTokens} tokens, {staticBatch:0} tokens/s ({staticBatch / sequential:0.00}x)");

        await using var app = OpenAiServer.Build(policy, "127.0.0.1", 0);
        await app.StartAsync();
        var endpoint = new Uri(OpenAiServer.Address(app), "/v1/chat/completions");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        foreach (var clients in new[] { 1, 8, 32 })
        {
            var stepsBefore = policy.Batcher.Statistics.Steps;
            watch.Restart();
            var tokens = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                var total = 0;
                for (var i = c; i < prompts.Count; i += clients)   // each client sends its share of the prompts in turn
                {
                    var body = new JsonObject
                    {
                        ["model"] = "tiny", ["temperature"] = 0, ["max_tokens"] = NewTokens,
                        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompts[i] }),
                    };
                    using var response = await http.PostAsJsonAsync(endpoint, body);
                    response.EnsureSuccessStatusCode();
                    var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                    total += reply["usage"]!["completion_tokens"]!.GetValue<int>();
                }
                return total;
            }));
            var rate = tokens.Sum() / watch.Elapsed.TotalSeconds;
            var stats = policy.Batcher.Statistics;
            Console.WriteLine($"toolrl serve, {clients,2} concurrent clients:   {tokens.Sum()} tokens, {rate:0} tokens/s ({rate / sequential:0.00}x generate), "
                + $"{stats.Steps - stepsBefore} decode steps, peak batch {stats.PeakRows} rows");
        }
        await app.StopAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The tiny model fixture with the Qwen2.5 tokenizer files beside it, in a temp folder.</summary>
    private static string TinyModelFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"toolrl-serve-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(BenchmarkPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "tiny-random-qwen2")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(BenchmarkPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "qwen2.5", file), Path.Combine(folder, file));
        }
        return folder;
    }
}
