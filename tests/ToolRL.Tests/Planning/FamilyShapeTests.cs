using System.Globalization;
using ToolRL.Configuration;
using ToolRL.Configuration.Planning;
using ToolRL.Models;
using ToolRL.Testing;

namespace ToolRL.Tests.Planning;

/// <summary>
/// <c>toolrl plan</c> reads Qwen3 and Llama 3.x config.json files (the architectures of the published models, written
/// here) and counts their parameters: Qwen3 has per-head q/k norms and no biases, Llama neither.
/// </summary>
public sealed class FamilyShapeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-family-shapes-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    private ModelShape Read(string json)
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return ModelShape.FromConfigJson(path);
    }

    // Qwen3 model cards (hidden, intermediate, layers, query/KV heads, head_dim 128, tied below 8B) and their
    // "Number of Parameters (Non-Embedding)": 0.44B, 1.4B, 3.6B, 6.95B, 13.2B, 31.2B; totals 0.6B … 32.8B.
    [Theory]   // 0.6B, 1.7B, 4B, 8B, 14B, 32B
    [InlineData(1024, 3072, 28, 16, true, 440_467_456L, 596_049_920L)]
    [InlineData(2048, 6144, 28, 16, true, 1_409_410_048L, 1_720_574_976L)]
    [InlineData(2560, 9728, 36, 32, true, 3_633_511_936L, 4_022_468_096L)]
    [InlineData(4096, 12288, 36, 32, false, 6_946_075_648L, 8_190_735_360L)]
    [InlineData(5120, 17408, 40, 40, false, 13_212_482_560L, 14_768_307_200L)]
    [InlineData(5120, 25600, 64, 64, false, 31_206_298_624L, 32_762_123_264L)]
    public void Qwen3_shapes_count_their_published_parameters(int hidden, int intermediate, int layers, int heads, bool tied,
        long nonEmbedding, long total)
    {
        var shape = Read(string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": {{hidden}}, "intermediate_size": {{intermediate}},
             "num_hidden_layers": {{layers}}, "num_attention_heads": {{heads}}, "num_key_value_heads": 8, "head_dim": 128,
             "vocab_size": 151936, "tie_word_embeddings": {{(tied ? "true" : "false")}}, "attention_bias": false,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000, "max_position_embeddings": 40960, "torch_dtype": "bfloat16"}
            """));
        Assert.Equal(ModelArchitecture.Qwen3, shape.Architecture);
        Assert.Equal(nonEmbedding, shape.TrunkParameters - 151936L * hidden);
        Assert.Equal(total, shape.Parameters);
        Assert.Equal(Math.Round(total / 1e9, 1), Math.Round(shape.Parameters / 1e9, 1));
    }

    // Llama 3.2 1B / 3B (tied, rope_scaling factor 32) and Llama 3.1 8B (untied, factor 8): the exact parameter counts
    // of the published safetensors (1,235,814,400; 3,212,749,824; 8,030,261,248).
    [Theory]
    [InlineData(2048, 8192, 16, 32, 64, true, 32.0, 1_235_814_400L)]
    [InlineData(3072, 8192, 28, 24, 128, true, 32.0, 3_212_749_824L)]
    [InlineData(4096, 14336, 32, 32, 128, false, 8.0, 8_030_261_248L)]
    public void Llama3_shapes_count_their_published_parameters(int hidden, int intermediate, int layers, int heads, int headDim, bool tied,
        double factor, long total)
    {
        var shape = Read(string.Create(CultureInfo.InvariantCulture, $$"""
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": {{hidden}}, "intermediate_size": {{intermediate}},
             "num_hidden_layers": {{layers}}, "num_attention_heads": {{heads}}, "num_key_value_heads": 8, "head_dim": {{headDim}},
             "vocab_size": 128256, "tie_word_embeddings": {{(tied ? "true" : "false")}}, "attention_bias": false, "mlp_bias": false,
             "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "max_position_embeddings": 131072, "hidden_act": "silu",
             "rope_scaling": {"factor": {{factor}}, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16"}
            """));
        Assert.Equal(ModelArchitecture.Llama, shape.Architecture);
        Assert.Equal(total, shape.Parameters);
    }

    private string Folder(string json)
    {
        var folder = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
        return folder;
    }

    [Fact]
    public void Llama_3_2_3b_grpo_run_is_the_papers_and_plans_on_its_shape()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-llama3.2-3b-toolrl.json"));
        var qwen = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-qwen2.5-3b-toolrl.json"));
        // The ToolRL paper trains both families with the same GRPO recipe; only the model differs.
        Assert.EndsWith("Llama-3.2-3B-Instruct", config.Model.BaseModel);
        Assert.Equal((qwen.BatchSize, qwen.N, qwen.ActorLr, qwen.KlCoef, qwen.Epochs, qwen.MaxResponseLength),
            (config.BatchSize, config.N, config.ActorLr, config.KlCoef, config.Epochs, config.MaxResponseLength));
        var folder = Folder("""
            {"model_type": "llama", "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 28, "num_attention_heads": 24,
             "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128256, "tie_word_embeddings": true, "rms_norm_eps": 1e-05,
             "rope_theta": 500000.0, "max_position_embeddings": 131072, "torch_dtype": "bfloat16",
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
            """);
        var plan = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = folder, TrainRows = 3920, GenerationBatch = 64 });
        Assert.Equal(3_212_749_824L, plan.Model!.Parameters);
        var policy = Assert.Single(plan.Memory!.Items, i => i.Category == MemoryCategories.Weights && i.Component == "policy");
        Assert.Equal(3_212_749_824L * 2, policy.Bytes);
        // KV: 2 × 28 layers × 8 KV heads × 128 × 2 B per token.
        var kv = Assert.Single(plan.Memory.Items, i => i.Category == MemoryCategories.KvCache && i.Component == "generation");
        Assert.Equal(64L * (2048 + 1024) * 2 * 28 * 8 * 128 * 2, kv.Bytes);
    }

    [Fact]
    public void Qwen3_4b_agent_run_trains_lora_adapters_on_its_shape()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-qwen3-4b-agent.json"));
        Assert.EndsWith("Qwen3-4B", config.Model.BaseModel);
        Assert.Equal("retail", config.Environment!.Name);
        var folder = Folder("""
            {"model_type": "qwen3", "hidden_size": 2560, "intermediate_size": 9728, "num_hidden_layers": 36, "num_attention_heads": 32,
             "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936, "tie_word_embeddings": true, "rms_norm_eps": 1e-06,
             "rope_theta": 1000000, "max_position_embeddings": 40960, "torch_dtype": "bfloat16"}
            """);
        var plan = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = folder, TrainRows = 512 });
        Assert.Equal(4_022_468_096L, plan.Model!.Parameters);
        // r 32 on q, k, v, o, gate, up, down of 36 layers: 32 × (6656 + 3584 + 3584 + 6656 + 3 × 12288) × 36.
        Assert.Equal(66_060_288L, plan.Model.LoraParameters(config.Model.Lora!));
    }
}
