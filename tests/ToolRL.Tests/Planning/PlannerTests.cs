using ToolRL.Configuration;
using ToolRL.Configuration.Planning;
using ToolRL.Testing;

namespace ToolRL.Tests.Planning;

public class PlannerTests
{
    private static string QwenConfig(string size) => QwenConfigs.Path(size);

    /// <summary>A model folder holding a config.json with the architecture of Qwen2.5-<paramref name="size"/>-Instruct.</summary>
    private static string ModelFolder(string size) => Path.GetDirectoryName(QwenConfig(size))!;

    [ReferenceTheory]
    [InlineData("0.5B")]
    [InlineData("1.5B")]
    [InlineData("3B")]
    [InlineData("7B")]
    public void ShapeTableMatchesThePublishedConfigs(string size) =>
        Assert.Equal(
            ModelShape.FromConfigJson(TestPaths.Reference("models", "qwen2.5-tokenizer", "configs", $"Qwen2.5-{size}-Instruct.config.json")),
            ModelShape.FromConfigJson(QwenConfig(size)));

    // Published parameter counts of the Qwen2.5 Instruct models (Hugging Face model pages / safetensors totals).
    [Theory]
    [InlineData("0.5B", 494_032_768L)]
    [InlineData("1.5B", 1_543_714_304L)]
    [InlineData("3B", 3_085_938_688L)]
    [InlineData("7B", 7_615_616_512L)]
    public void ParameterCountsMatchPublishedModels(string size, long expected)
    {
        Assert.Equal(expected, ModelShape.FromConfigJson(QwenConfig(size)).Parameters);
    }

    [Fact]
    public void PpoColdStartPlanOnSevenB()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json"));
        var plan = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = ModelFolder("7B"), TrainRows = 3920, GenerationBatch = 64 });
        // data/README.md (rlla_4k): 3,920 rows at 512 per batch with drop_last = 7 steps per epoch, 105 in 15 epochs.
        Assert.Equal(7, plan.StepsPerEpoch);
        Assert.Equal(105, plan.TotalSteps);
        Assert.Equal(512, plan.ResponsesPerStep);
        Assert.Equal(4, plan.OptimizerStepsPerStep);
        Assert.Equal(16, plan.GradientAccumulation);
        var memory = plan.Memory!;
        long Item(string category, string component) => Assert.Single(memory.Items, i => i.Category == category && i.Component == component).Bytes;
        Assert.Equal(7_615_616_512L * 2, Item(MemoryCategories.Weights, "policy"));
        Assert.Equal(7_615_616_512L * 2, Item(MemoryCategories.Weights, "reference"));
        Assert.Equal(7_615_616_512L * 4, Item(MemoryCategories.Optimizer, "policy"));   // bf16 m and v, no master copy
        // critic = trunk without the untied lm_head (152064 × 3584) plus a Linear(3584, 1) head
        Assert.Equal((7_615_616_512L - 152_064L * 3584 + 3585) * 2, Item(MemoryCategories.Weights, "critic"));
        // KV: 2 × 28 layers × 4 KV heads × 128 × 2 B = 57,344 B per token; 64 sequences × 1,536 tokens
        Assert.Equal(64L * 1536 * 57_344, Item(MemoryCategories.KvCache, "generation"));
        // bf16 weights of policy, reference and critic, gradients and AdamW moments of policy and critic: 123.6 GiB of state.
        Assert.True(memory.PeakBytes > 120L << 30, $"a 7B PPO run with critic and reference needs well over 120 GiB on one device, not {MemoryEstimate.Format(memory.PeakBytes)}");
    }

    [Fact]
    public void LoraPpoColdStartOnSevenBFitsOneEightyGigabyteDevice()
    {
        var options = new PlanOptions { BaseModel = ModelFolder("7B"), TrainRows = 3920 };
        var full = TrainingPlanner.Plan(TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json")), options).Memory!;
        var plan = TrainingPlanner.Plan(TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold-lora.json")), options);
        var memory = plan.Memory!;
        long Item(string category, string component) => Assert.Single(memory.Items, i => i.Category == category && i.Component == component).Bytes;
        // r 8 on q, k, v, o, gate, up, down of 28 layers: 8 × (7168 + 4096 + 4096 + 7168 + 3 × 22528) × 28 (PEFT prints 20,185,088).
        const long Adapters = 20_185_088L;
        Assert.Equal(Adapters, plan.Model!.LoraParameters(plan.Config.Model.Lora!));
        Assert.Equal((7_615_616_512L + Adapters) * 2, Item(MemoryCategories.Weights, "policy"));
        Assert.Equal(0, Item(MemoryCategories.Weights, "reference"));
        Assert.Equal(Adapters * 2, Item(MemoryCategories.Gradients, "policy"));
        Assert.Equal(Adapters * 4, Item(MemoryCategories.Optimizer, "policy"));
        Assert.Equal((Adapters + 3585) * 4, Item(MemoryCategories.Optimizer, "critic"));
        Assert.True(full.PeakBytes > MemoryEstimate.Device80GiB);
        Assert.True(memory.PeakBytes <= MemoryEstimate.Device80GiB, $"LoRA peak {MemoryEstimate.Format(memory.PeakBytes)}");
        Assert.Contains("fits one 80 GiB device", PlanFormatter.ToText(plan));
    }

    [Fact]
    public void DataParallelDevicesReplicateStateAndSplitGeneration()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-qwen2.5-3b-toolrl.json"));
        var one = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = ModelFolder("3B"), TrainRows = 3920, GenerationBatch = 32 }).Memory!;
        var eight = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = ModelFolder("3B"), TrainRows = 3920, GenerationBatch = 32, Devices = 8 }).Memory!;
        long Category(MemoryEstimate m, string c) => m.ByCategory.Single(x => x.Category == c).Bytes;
        // As toolrl train runs it: every rank holds the whole AdamW state, and sums gradients in float64 (8 B per trainable parameter).
        Assert.Equal(Category(one, MemoryCategories.Optimizer), Category(eight, MemoryCategories.Optimizer));
        var policyGradients = one.Items.Single(i => i.Category == MemoryCategories.Gradients && i.Component == "policy").Bytes;
        Assert.Equal(policyGradients * 8 / 2, eight.Items.Single(i => i.Component == "policy gradient sum").Bytes);   // bf16 gradients: 2 B/param
        Assert.Equal(Category(one, MemoryCategories.Activations), Category(eight, MemoryCategories.Activations));
        var zero = TrainingPlanner.Plan(config, new PlanOptions { BaseModel = ModelFolder("3B"), TrainRows = 3920, GenerationBatch = 32, Devices = 8, ShardOptimizer = true }).Memory!;
        long PolicyOptimizer(MemoryEstimate m) => m.Items.Single(i => i.Category == MemoryCategories.Optimizer && i.Component == "policy").Bytes;
        Assert.InRange(PolicyOptimizer(zero) - PolicyOptimizer(one) / 8, 0, 4);   // ⌈P/8⌉ elements × 4 B (bf16 m and v)
        Assert.Contains(TrainingPlanner.Plan(config, new PlanOptions { BaseModel = ModelFolder("3B"), TrainRows = 3920, Devices = 8 }).Notes,
            n => n.Contains("each device generates 1/8 of the responses", StringComparison.Ordinal));
        Assert.DoesNotContain(one.Items, i => i.Component == "critic");
    }

    [Fact]
    public void GradientCheckpointingShrinksActivations()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-qwen2.5-3b-toolrl.json"));
        var options = new PlanOptions { BaseModel = ModelFolder("0.5B"), TrainRows = 1000 };
        long Layers(TrainingConfig c) => TrainingPlanner.Plan(c, options).Memory!.Items.Single(i => i.Component == "decoder layers").Bytes;
        var withCheckpointing = Layers(config);
        var without = Layers(config with { Model = config.Model with { GradientCheckpointing = false } });
        Assert.True(without > 10 * withCheckpointing);
    }

    [Fact]
    public void MissingModelFolderIsANoteNotACrash()
    {
        var config = TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json"));
        var plan = TrainingPlanner.Plan(config);
        Assert.Null(plan.Memory);
        Assert.Contains(plan.Notes, n => n.Contains("--base-model") && n.Contains("config.json"));
        Assert.Contains(plan.Notes, n => n.Contains("--train-rows"));
        Assert.Null(plan.TotalSteps);
    }

    [ReferenceFact]
    public void RowsAreCountedFromJsonlFiles()
    {
        var config = TrainingConfig.Parse(Configuration.ConfigJson.With(o =>
        {
            o["batch_size"] = 16;
            o["data"] = System.Text.Json.Nodes.JsonNode.Parse($$"""{"train_files": ["{{TestPaths.Reference("data", "rlla", "test.jsonl")}}"], "val_files": ["x.jsonl"]}""");
        }));
        var plan = TrainingPlanner.Plan(config);
        Assert.Equal(80, plan.TrainRows);
        Assert.Equal(5, plan.StepsPerEpoch);
        Assert.Equal(10, plan.TotalSteps);
        Assert.NotNull(plan.Memory);
        // tiny model: vocab from train_bpe (512), hidden 64, 2 layers, 4/2 heads, intermediate 128, tied
        var layer = (64 * 64 + 64) + 2 * (64 * 32 + 32) + 64 * 64 + 3 * 64 * 128 + 2 * 64;
        Assert.Equal(512 * 64 + 2 * layer + 64, plan.Model!.Parameters);
    }

    [Fact]
    public void BrokenModelConfigIsRefusedWithItsPath()
    {
        var folder = Directory.CreateTempSubdirectory("toolrl-plan-bad-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "config.json"), """{"model_type": "mistral", "hidden_size": 64, "num_attention_heads": 4}""");
            var e = Assert.Throws<ConfigurationException>(() => ModelShape.FromConfigJson(Path.Combine(folder.FullName, "config.json")));
            Assert.Contains("model_type", e.Message);
            Assert.Contains("config.json", e.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

public class PlannerParquetTests
{
    [ReferenceFact]
    public void RowsAreCountedFromTheParquetFooter()
    {
        var config = TrainingConfig.Parse(ToolRL.Tests.Configuration.ConfigJson.With(o =>
        {
            o["batch_size"] = 8;
            o["data"] = System.Text.Json.Nodes.JsonNode.Parse($$"""{"train_files": ["{{TestPaths.Reference("data", "rlla", "test.parquet")}}"], "val_files": ["x.parquet"]}""");
        }));
        var plan = TrainingPlanner.Plan(config);
        Assert.Equal(80, plan.TrainRows);
        Assert.Equal(10, plan.StepsPerEpoch);
    }
}
