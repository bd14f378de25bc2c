using System.Globalization;

namespace ToolRL.Tests.Planning;

/// <summary>
/// config.json files with the architecture of the published Qwen2.5-Instruct models (hidden size, layers, heads,
/// vocabulary, tied embeddings: the facts the planner reads), written to the temp folder. The reference suite checks
/// the table against the published files (<see cref="PlannerTests.ShapeTableMatchesThePublishedConfigs"/>).
/// </summary>
internal static class QwenConfigs
{
    /// <summary>size → (hidden, intermediate, layers, heads, KV heads, vocabulary, tied embeddings).</summary>
    public static IReadOnlyDictionary<string, (int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int Vocab, bool Tied)> Shapes { get; } =
        new Dictionary<string, (int, int, int, int, int, int, bool)>
        {
            ["0.5B"] = (896, 4864, 24, 14, 2, 151936, true),
            ["1.5B"] = (1536, 8960, 28, 12, 2, 151936, true),
            ["3B"] = (2048, 11008, 36, 16, 2, 151936, true),
            ["7B"] = (3584, 18944, 28, 28, 4, 152064, false),
        };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> Written = new();

    /// <summary>The path of a config.json for Qwen2.5-<paramref name="size"/>-Instruct's architecture (written once per run).</summary>
    public static string Path(string size) => Written.GetOrAdd(size, s => new Lazy<string>(() => Write(s))).Value;

    private static string Write(string size)
    {
        var (hidden, intermediate, layers, heads, kv, vocab, tied) = Shapes[size];
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"toolrl-qwen-configs-{Environment.ProcessId}", size);
        Directory.CreateDirectory(folder);
        var file = System.IO.Path.Combine(folder, "config.json");
        File.WriteAllText(file, string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
             "hidden_size": {{hidden}}, "intermediate_size": {{intermediate}}, "num_hidden_layers": {{layers}},
             "num_attention_heads": {{heads}}, "num_key_value_heads": {{kv}}, "vocab_size": {{vocab}},
             "tie_word_embeddings": {{(tied ? "true" : "false")}}, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
             "max_position_embeddings": 32768, "torch_dtype": "bfloat16", "bos_token_id": 151643, "eos_token_id": 151645}
            """));
        return file;
    }
}
