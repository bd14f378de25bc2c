using System.Text.Json;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    private static Qwen2Config SmallConfig(bool tied) => new()
    {
        VocabSize = 300, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, RopeTheta = 1e6, TieWordEmbeddings = tied, EosTokenIds = [7],
    };

    private static void AssertSameParameters(Qwen2ForCausalLM a, Qwen2ForCausalLM b)
    {
        var left = a.NamedParameters().ToList();
        var right = b.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
        Assert.Equal(left.Select(p => p.Name).Order(), right.Keys.Order());
        foreach (var (name, p) in left)
        {
            Assert.True(p.Equal(right[name]), $"{name} differs");
        }
    }

    [Fact]
    public void Sharded_checkpoint_equals_the_single_file_one()
    {
        using var scope = NewScope();
        using var single = Qwen2ForCausalLM.FromPretrained(GqaDir);
        using var sharded = Qwen2ForCausalLM.FromPretrained(GqaShardedDir);
        AssertSameParameters(single, sharded);
        var ids = FromArray(new long[] { 1, 5, 9, 200, 3 }, 1, 5);
        Assert.True(single.Forward(ids).Equal(sharded.Forward(ids)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Save_then_load_is_exact_in_hugging_face_layout(bool tied)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.CreateRandom(SmallConfig(tied), seed: 3);
        model.SavePretrained(_dir);
        var names = Safetensors.ReadHeader(Path.Combine(_dir, "model.safetensors")).Entries.Select(e => e.Name).ToList();
        Assert.Equal(!tied, names.Contains("lm_head.weight"));   // tied checkpoints carry no lm_head, as HF writes them
        Assert.Contains("model.layers.1.self_attn.q_proj.bias", names);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")));
        Assert.Equal("float32", config.RootElement.GetProperty("torch_dtype").GetString());
        Assert.Equal("Qwen2ForCausalLM", config.RootElement.GetProperty("architectures")[0].GetString());

        using var loaded = Qwen2ForCausalLM.FromPretrained(_dir);
        AssertSameParameters(model, loaded);
        var ids = FromArray(new long[] { 1, 2, 3, 4, 299 }, 1, 5);
        Assert.True(model.Forward(ids).Equal(loaded.Forward(ids)));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp*"));
    }

    [Fact]
    public void Large_saves_are_sharded_with_an_index_and_reload_exactly()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.CreateRandom(SmallConfig(false), seed: 4);
        model.SavePretrained(_dir);
        model.SavePretrained(_dir, maxShardBytes: 40_000);   // re-save over the single file: it must be replaced
        Assert.False(File.Exists(Path.Combine(_dir, "model.safetensors")));
        var shards = Directory.GetFiles(_dir, "model-*-of-*.safetensors");
        Assert.True(shards.Length > 1);
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "model.safetensors.index.json")));
        Assert.Equal(model.Parameters().Sum(p => p.NumEl * 4), index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        using var loaded = Qwen2ForCausalLM.FromPretrained(_dir);
        AssertSameParameters(model, loaded);
    }

    [Fact]
    public void Saving_in_bfloat16_rounds_like_the_published_checkpoints()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(TinyDir);     // BF16 on disk, float32 in memory
        model.SavePretrained(_dir, DType.BFloat16);
        var header = Safetensors.ReadHeader(Path.Combine(_dir, "model.safetensors"));
        Assert.All(header.Entries, e => Assert.Equal(DType.BFloat16, e.DType));
        // The original file is bf16, so a bf16 save reproduces its tensors exactly.
        var original = Safetensors.Load(Path.Combine(TinyDir, "model.safetensors"));
        var saved = Safetensors.Load(Path.Combine(_dir, "model.safetensors"));
        Assert.Equal(original.Keys.Order(), saved.Keys.Order());
        foreach (var (name, t) in original)
        {
            Assert.True(t.Equal(saved[name]), name);
        }
        Assert.True(File.Exists(Path.Combine(_dir, "tokenizer_config.json")));  // companion files travel with the weights
        Assert.True(File.Exists(Path.Combine(_dir, "generation_config.json")));
    }

    [Fact]
    public void Loads_bfloat16_weights_into_bfloat16_compute()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(TinyDir, DType.BFloat16);
        Assert.Equal(DType.BFloat16, model.DType);
        var logits = model.Forward(FromArray(new long[] { 151644, 8948, 198 }, 1, 3));
        Assert.Equal(DType.BFloat16, logits.DType);
        Assert.True(logits.IsFinite().All().ItemDouble() != 0);
    }

    [Fact]
    public void Weights_that_disagree_with_the_config_are_refused_with_the_tensor_name()
    {
        Directory.CreateDirectory(_dir);
        foreach (var f in Directory.GetFiles(GqaDir))
        {
            File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
        }
        var config = File.ReadAllText(Path.Combine(_dir, "config.json"));
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        var missing = Assert.Throws<ModelConfigException>(() => Qwen2ForCausalLM.FromPretrained(_dir));
        Assert.Contains("model.layers.2.", missing.Message);
        Assert.Contains("fix:", missing.Message);

        File.WriteAllText(Path.Combine(_dir, "config.json"), config.Replace("\"intermediate_size\": 64", "\"intermediate_size\": 65"));
        var shape = Assert.Throws<ModelConfigException>(() => Qwen2ForCausalLM.FromPretrained(_dir));
        Assert.Contains("gate_proj.weight", shape.Message);
        Assert.Contains("[64, 48]", shape.Message);

        File.Delete(Path.Combine(_dir, "model.safetensors"));
        var none = Assert.Throws<ModelConfigException>(() => Qwen2ForCausalLM.FromPretrained(_dir));
        Assert.Contains("no weights", none.Message);
    }

    [Fact]
    public void Random_init_follows_transformers_and_is_seeded()
    {
        using var scope = NewScope();
        var config = SmallConfig(false) with { InitializerRange = 0.05 };
        using var a = Qwen2ForCausalLM.CreateRandom(config, seed: 9);
        using var b = Qwen2ForCausalLM.CreateRandom(config, seed: 9);
        using var c = Qwen2ForCausalLM.CreateRandom(config, seed: 10);
        AssertSameParameters(a, b);
        var p = a.NamedParameters().ToDictionary(x => x.Name, x => x.Param);
        Assert.False(p["lm_head.weight"].Equal(c.NamedParameters().First(x => x.Name == "lm_head.weight").Param));
        Assert.Equal(0.05, p["model.embed_tokens.weight"].Std().ItemDouble(), 2);
        Assert.Equal(0.0, p["model.layers.0.self_attn.q_proj.bias"].Abs().Max().ItemDouble());
        Assert.Equal(1.0, p["model.norm.weight"].Min().ItemDouble());
    }
}
