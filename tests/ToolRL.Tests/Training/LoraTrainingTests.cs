using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Torch.IO;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;

namespace ToolRL.Tests.Training;

/// <summary>RL with LoRA: only adapters train, the reference is the base with adapters off, checkpoints hold PEFT adapter files.</summary>
public sealed class LoraTrainingTests : IDisposable
{
    private static readonly LoraConfig Lora = new() { R = 4, Alpha = 8 };

    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-lora-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    private static Qwen2Policy LoraPolicy(long seed = 3)
    {
        var policy = TinyRun.Policy(seed);
        policy.Model.AddAdapters(Lora, seed: 17);
        return policy;
    }

    private static Dictionary<string, float[]> Snapshot(Qwen2Policy policy) =>
        policy.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Detach().Clone().ToArray<float>());

    [Fact]
    public async Task Grpo_trains_only_the_adapters_against_the_base_and_checkpoints_peft_files()
    {
        var config = TinyRun.GrpoConfig(_run.Directory);
        using var policy = LoraPolicy();
        using var reference = Qwen2Policy.BaseOf(policy);
        var before = Snapshot(policy);
        using var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference));

        var steps = await TinyRun.Collect(trainer);

        foreach (var (name, param) in policy.Module.NamedParameters())
        {
            var changed = !before[name].SequenceEqual(param.Detach().ToArray<float>());
            var isAdapter = name.Contains(".lora_", StringComparison.Ordinal);
            Assert.True(changed == isAdapter, $"{name}: changed {changed}, adapter {isAdapter}");
        }
        // The reference is the untouched base: once B moved, the policy differs from it.
        Assert.NotEqual(0.0, steps[^1][MetricNames.RewardKlPenalty]!.Value);   // k1 estimate: of either sign

        var actor = Path.Combine(_run.Directory, "checkpoints", "global_step_4", RlTrainer.ActorFolder);
        Assert.True(File.Exists(Path.Combine(actor, "adapter_config.json")));
        Assert.False(File.Exists(Path.Combine(actor, "model.safetensors")));
        var adapterNames = Safetensors.ReadHeader(Path.Combine(actor, "adapter_model.safetensors")).Entries.Select(e => e.Name).ToList();
        Assert.Equal(policy.Model.Model.AdapterParameters().Count(), adapterNames.Count);
        Assert.All(adapterNames, n => Assert.StartsWith("base_model.model.model.layers.", n));
        // The optimizer state covers the adapters only (exp_avg and exp_avg_sq of each).
        var trainable = policy.Module.TrainableParameters().Sum(p => p.NumEl);
        var optimizer = Safetensors.Load(Path.Combine(_run.Directory, "checkpoints", "global_step_4", "optimizer.safetensors"));
        Assert.Equal(2 * trainable, optimizer.Values.Where(t => t.Dim > 0).Sum(t => t.NumEl));

        // A fresh base with fresh adapters, resumed from the adapter checkpoint, equals the trained policy.
        using var restored = LoraPolicy(seed: 3);
        restored.LoadWeights(actor);
        Assert.Equal(Snapshot(policy), Snapshot(restored));
    }

    [Fact]
    public async Task Ppo_with_a_lora_critic_trains_its_adapters_and_head_and_saves_them()
    {
        var grpo = TinyRun.GrpoConfig(_run.Directory);
        var config = grpo with { Algorithm = AlgorithmKind.Ppo, N = 1, Trainer = grpo.Trainer with { TotalTrainingSteps = 2 } };
        using var policy = LoraPolicy();
        using var reference = Qwen2Policy.BaseOf(policy);
        using var critic = new Qwen2Critic(Qwen2ValueModel.CreateWithAdapters(policy.Model, seed: 4));
        var criticBefore = critic.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Detach().Clone().ToArray<float>());
        var policyBase = Snapshot(policy).Where(kv => !kv.Key.Contains(".lora_", StringComparison.Ordinal)).ToList();
        using var trainer = new PpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference) with { Critic = critic });

        await TinyRun.Collect(trainer);

        foreach (var (name, param) in critic.Module.NamedParameters())
        {
            var changed = !criticBefore[name].SequenceEqual(param.Detach().ToArray<float>());
            var trains = name.Contains(".lora_B", StringComparison.Ordinal) || name.StartsWith("score.", StringComparison.Ordinal);
            Assert.True(changed == trains || name.Contains(".lora_A", StringComparison.Ordinal), $"critic {name}: changed {changed}");
        }
        var policyAfter = Snapshot(policy);
        Assert.All(policyBase, kv => Assert.Equal(kv.Value, policyAfter[kv.Key]));   // the shared base is never written
        var criticDir = Path.Combine(_run.Directory, "checkpoints", "global_step_2", "critic");
        Assert.True(File.Exists(Path.Combine(criticDir, "adapter_config.json")));
        Assert.Contains("base_model.model.score.weight", Safetensors.ReadHeader(Path.Combine(criticDir, "adapter_model.safetensors")).Entries.Select(e => e.Name));
    }

    [Fact]
    public async Task The_pipeline_adds_adapters_after_sft_and_resumes_a_lora_ppo_run_from_its_adapter_checkpoint()
    {
        var json = """
            {
              "algorithm": "ppo", "seed": 3, "batch_size": 4, "epochs": 1, "n": 1,
              "max_prompt_length": 1024, "max_response_length": 12,
              "actor_lr": 0.001, "critic_lr": 0.001, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 4,
              "kl_coef": 0.01, "use_kl_in_reward": true,
              "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 },
                         "lora": { "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj", "down_proj"] } },
              "tokenizer": { "train_bpe": { "vocab_size": 320 } },
              "data": { "synthetic": { "train_count": 16, "val_count": 2, "preset": "tiny" } },
              "sft": { "epochs": 1, "lr": 0.001, "batch_size": 8, "micro_batch_size": 8 },
              "trainer": { "experiment_name": "lora-ppo", "save_freq": 1, "test_freq": -1, "val_before_train": false, "total_training_steps": 2 }
            }
            """;
        var output = Path.Combine(_run.Directory, "run");
        var config = TrainingConfig.Parse(json);
        await foreach (var _ in new TrainingPipeline(config, output, resume: false).RunAsync())
        {
        }
        var step2 = Path.Combine(output, "checkpoints", "global_step_2");
        var adapterConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(step2, RlTrainer.ActorFolder, "adapter_config.json")))!;
        Assert.Equal(Path.Combine(output, "sft", "model"), (string?)adapterConfig["base_model_name_or_path"]);
        Assert.Equal(["down_proj", "q_proj", "v_proj"], adapterConfig["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.True(File.Exists(Path.Combine(step2, "critic", "adapter_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(step2, RlTrainer.ActorFolder, "model.safetensors")));

        // One more step from the adapter checkpoint: the pipeline reloads the SFT base, attaches adapters, restores them.
        var longer = TrainingConfig.Parse(json.Replace("\"total_training_steps\": 2", "\"total_training_steps\": 3", StringComparison.Ordinal));
        var resumed = new List<long>();
        var resume = new ToolRL.Runs.RunStartOptions { Resume = true, AllowConfigChange = true };   // more steps: a schedule change
        await foreach (var step in new TrainingPipeline(longer, output, resume).RunAsync())
        {
            if (step.Phase == "ppo")
            {
                resumed.Add(step.Step);
            }
        }
        Assert.Equal([3L], resumed);
        Assert.True(File.Exists(Path.Combine(output, "checkpoints", "global_step_3", RlTrainer.ActorFolder, "adapter_config.json")));
    }
}
