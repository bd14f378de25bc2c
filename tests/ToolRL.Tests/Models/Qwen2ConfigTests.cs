using ToolRL.Models;
using ToolRL.Testing;

namespace ToolRL.Tests.Models;

public class Qwen2ConfigTests
{
    private static string Published(string name) => TestPaths.Reference("models", "qwen2.5-tokenizer", "configs", name);

    /// <summary>The tiny fixture model's config.json: a complete Qwen2 config as Hugging Face writes it.</summary>
    private static string TinyConfig => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "tiny-random-qwen2", "config.json");

    [ReferenceTheory]
    // Values of the published Qwen2.5-Instruct config.json files (Hugging Face Qwen/Qwen2.5-*-Instruct).
    [InlineData("Qwen2.5-0.5B-Instruct", 896, 4864, 24, 14, 2, 64, 151936, true)]
    [InlineData("Qwen2.5-1.5B-Instruct", 1536, 8960, 28, 12, 2, 128, 151936, true)]
    [InlineData("Qwen2.5-3B-Instruct", 2048, 11008, 36, 16, 2, 128, 151936, true)]
    [InlineData("Qwen2.5-7B-Instruct", 3584, 18944, 28, 28, 4, 128, 152064, false)]
    public void Reads_every_published_size_from_config(string model, long hidden, long inter, long layers, long heads, long kv,
        long headDim, long vocab, bool tied)
    {
        var c = Qwen2Config.FromFile(Published(model + ".config.json"));
        Assert.Equal((hidden, inter, layers, heads, kv, headDim, vocab, tied),
            (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.VocabSize, c.TieWordEmbeddings));
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.Equal([151645L], c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDtype);
    }

    [Fact]
    public void Tolerates_unknown_keys_and_writes_them_back()
    {
        var json = File.ReadAllText(TinyConfig)
            .Replace("\"hidden_act\"", "\"my_custom_key\": {\"a\": [1, 2]},\n  \"hidden_act\"");
        var c = Qwen2Config.Parse(json);
        var written = c.ToJson();
        Assert.Contains("\"my_custom_key\"", written);
        var again = Qwen2Config.Parse(written);
        Assert.Equal(written, again.ToJson());
        Assert.Equal((c.HiddenSize, c.NumKeyValueHeads, c.VocabSize), (again.HiddenSize, again.NumKeyValueHeads, again.VocabSize));
    }

    [Fact]
    public void Absent_keys_take_the_transformers_defaults()
    {
        var c = Qwen2Config.Parse("""{"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "intermediate_size": 128, "vocab_size": 100}""");
        Assert.Equal(4, c.NumKeyValueHeads);          // defaults to num_attention_heads
        Assert.Equal(16, c.HeadDim);
        Assert.Equal(10000.0, c.RopeTheta);           // the class default, NOT Qwen2.5's 1e6
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(0.02, c.InitializerRange);
    }

    [Theory]
    [InlineData("\"num_key_value_heads\": 3", "num_key_value_heads", "3")]
    [InlineData("\"vocab_size\": 0", "vocab_size", "0")]
    [InlineData("\"hidden_size\": \"896\"", "hidden_size", "\"896\"")]
    [InlineData("\"hidden_act\": \"gelu\"", "hidden_act", "gelu")]
    [InlineData("\"model_type\": \"mistral\"", "model_type", "mistral")]
    [InlineData("\"rms_norm_eps\": -1", "rms_norm_eps", "-1")]
    [InlineData("\"use_sliding_window\": true", "use_sliding_window", "true")]
    [InlineData("\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}", "rope_scaling", "yarn")]
    [InlineData("\"eos_token_id\": [151645, \"x\"]", "eos_token_id", "151645")]
    [InlineData("\"head_dim\": 63", "head_dim", "63")]
    public void Refuses_invalid_values_naming_field_value_and_fix(string replacement, string field, string value)
    {
        var json = File.ReadAllText(TinyConfig);
        var key = replacement[..(replacement.IndexOf(':'))];
        json = System.Text.RegularExpressions.Regex.IsMatch(json, System.Text.RegularExpressions.Regex.Escape(key) + @":")
            ? System.Text.RegularExpressions.Regex.Replace(json, System.Text.RegularExpressions.Regex.Escape(key) + @":\s*[^,\n]+", replacement)
            : json.Replace("{", "{" + replacement + ",", StringComparison.Ordinal);
        var e = Assert.Throws<ModelConfigException>(() => Qwen2Config.Parse(json, "cfg.json"));
        Assert.Contains("cfg.json", e.Message);
        Assert.Contains($"'{field}'", e.Message);
        Assert.Contains(value, e.Message);
        Assert.Contains("fix:", e.Message);
    }

    [Fact]
    public void Missing_or_malformed_files_are_reported_with_their_path()
    {
        var dir = Path.Combine(Path.GetTempPath(), "toolrl-cfg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var missing = Assert.Throws<ModelConfigException>(() => Qwen2Config.FromDirectory(dir));
            Assert.Contains(Path.Combine(dir, "config.json"), missing.Message);
            File.WriteAllText(Path.Combine(dir, "config.json"), "{\"hidden_size\": 8,");
            var broken = Assert.Throws<ModelConfigException>(() => Qwen2Config.FromDirectory(dir));
            Assert.Contains("not valid JSON", broken.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Reads_generation_config_with_eos_list_and_sampling_defaults()
    {
        var g = GenerationConfig.FromDirectory(ModelFixtures.TinyDir)!;
        Assert.Equal([151645L, 151643L], g.EosTokenIds);
        Assert.True(g.DoSample);
        Assert.Equal((0.7, 0.8, 20L, 1.1), (g.Temperature, g.TopP, g.TopK, g.RepetitionPenalty));
        Assert.Null(GenerationConfig.FromDirectory(TestPaths.InRepo("src")));
        var e = Assert.Throws<ModelConfigException>(() => GenerationConfig.Parse("{\"top_p\": 1.5}", "gen.json"));
        Assert.Contains("'top_p'", e.Message);
        Assert.Contains("1.5", e.Message);
    }
}
