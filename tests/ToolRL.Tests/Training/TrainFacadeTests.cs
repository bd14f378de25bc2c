using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Testing;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Runs;
using ToolRL.Tokenization;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

/// <summary>
/// The one-call trainers (<see cref="Train"/>) over the tiny policy: what the request gives in memory is what trains,
/// the rest comes from the configuration, and the hooks see every step, validation and checkpoint.
/// </summary>
public sealed class TrainFacadeTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-facade-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    private string Output(string name) => Path.Combine(_run.Directory, name);

    [Fact]
    public async Task GrpoTrainsTheGivenModelOnTheGivenRowsWithTheGivenRewardsAndRunsEveryHook()
    {
        using var model = TinyModel();
        var before = model.StateDict()["model.embed_tokens.weight"].ToArray<float>();
        var steps = new List<TrainingStepResult>();
        var validations = new List<ValidationEvent>();
        var checkpoints = new List<CheckpointEvent>();
        var logger = new FakeLogger();
        var config = Tiny(Output("unused"), t => t with { SaveFreq = 2, TestFreq = 2, TotalTrainingSteps = 3 });

        var result = await Train.GrpoAsync(new TrainingRequest
        {
            Config = config,
            Model = model,
            Tokenizer = TinyRun.Tokenizer,
            TrainData = TinyRun.Rows(16).ToArray(),
            ValData = TinyRun.Rows(3, seed: 99).ToList(),
            Rewards = ["toolrl", new(new BrevityReward(), 0.5)],
            OutputDir = Output("grpo"),
            Hooks = new() { OnStep = steps.Add, OnValidation = validations.Add, OnCheckpoint = checkpoints.Add },
            Logger = logger,
        });

        // Step 0 is the validation before training; then 3 GRPO steps, validated at 2 and at the end, saved at 2 and 3.
        Assert.Equal([0L, 1, 2, 3], steps.Select(s => s.Step));
        Assert.Equal(4, result.Steps);
        Assert.Same(steps[^1], result.LastStep);
        Assert.False(result.StoppedEarly);
        Assert.Equal([0L, 2, 3], validations.Select(v => v.Step));
        Assert.All(validations, v => Assert.Equal(3, v.Result.Count));
        Assert.Equal([2L, 3], checkpoints.Select(c => c.Step));
        Assert.All(checkpoints, c => Assert.True(File.Exists(Path.Combine(c.Path, RlTrainer.ActorFolder, "config.json")), c.Path));
        Assert.Equal(Path.Combine(checkpoints[^1].Path, RlTrainer.ActorFolder), result.ModelDirectory);
        Assert.True(File.Exists(Path.Combine(result.ModelDirectory, "tokenizer.json")));

        // The reward is the weighted sum of the given terms: every synthetic row has a ground truth, so the batch
        // means combine exactly.
        foreach (var step in steps.Skip(1))
        {
            Assert.Equal(step[MetricNames.RewardFunctionMean("toolrl")]!.Value + 0.5 * step[MetricNames.RewardFunctionMean("brevity")]!.Value,
                step[MetricNames.ScoreMean]!.Value, 9);
        }
        // The run's recorded configuration names the terms (the instance under its Name), and KL made a reference model.
        var resolved = JsonNode.Parse(File.ReadAllText(Path.Combine(result.OutputDir, RunFolder.ResolvedConfigFile)))!;
        Assert.Equal("""[{"name":"toolrl","weight":1},{"name":"brevity","weight":0.5}]""", resolved["reward"]!["functions"]!.ToJsonString());
        Assert.NotNull(steps[1][MetricNames.RewardKlPenalty]);

        // The caller's model was trained in place and is still usable (not disposed by the trainer).
        Assert.NotEqual(before, model.StateDict()["model.embed_tokens.weight"].ToArray<float>());
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message is var m && m.StartsWith("checkpoint: step 3 saved to", StringComparison.Ordinal));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message is var m && m.StartsWith("grpo: 3 steps", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StopWhenEndsTheRunWithACheckpointThatAResumeContinuesFrom()
    {
        var config = Tiny(Output("stop"), t => t with { SaveFreq = 3, TestFreq = -1, ValBeforeTrain = false, TotalTrainingSteps = 4 }) with { KlCoef = 0 };
        var checkpoints = new List<long>();
        var request = new TrainingRequest
        {
            Config = config,
            Model = TinyModel(),
            Tokenizer = TinyRun.Tokenizer,
            TrainData = TinyRun.Rows(16).ToArray(),
            Rewards = [new(new BrevityReward())],
            Hooks = new() { StopWhen = step => step.Step == 2, OnCheckpoint = c => checkpoints.Add(c.Step) },
        };

        var stopped = await Train.GrpoAsync(request);

        Assert.True(stopped.StoppedEarly);
        Assert.Equal(2, stopped.LastStep!.Step);
        Assert.Equal([2L], checkpoints);   // saved although save_freq is 3
        Assert.True(File.Exists(stopped.ReportPath));
        Assert.Equal(Path.GetFullPath(Output("stop")), stopped.OutputDir);   // trainer.output_dir of the configuration

        var resumed = new List<long>();
        var rest = await Train.GrpoAsync(request with { Start = new RunStartOptions { Resume = true }, Hooks = new() { OnStep = s => resumed.Add(s.Step) } });
        Assert.Equal([3L, 4], resumed);
        Assert.False(rest.StoppedEarly);
    }

    [Fact]
    public async Task SftFromAConfigFileThenGrpoFromItsModelFolderWithItsTokenizer()
    {
        var path = Path.Combine(_run.Directory, "sft-then-grpo.json");
        File.WriteAllText(path, $$"""
            {
              "algorithm": "grpo", "seed": 5, "batch_size": 4, "n": 2, "max_prompt_length": 1024, "max_response_length": 12,
              "actor_lr": 0.005, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 8, "entropy_coeff": 0, "kl_coef": 0, "use_kl_in_reward": false,
              "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
              "tokenizer": { "train_bpe": { "vocab_size": 320 } },
              "data": { "synthetic": { "train_count": 8, "val_count": 2, "preset": "tiny" } },
              "sft": { "epochs": 1, "lr": 0.002, "batch_size": 4, "micro_batch_size": 4 },
              "trainer": { "experiment_name": "facade-demo", "save_freq": -1, "test_freq": -1, "val_before_train": false, "total_training_steps": 1 }
            }
            """);
        var cwd = Environment.CurrentDirectory;
        var sftSteps = new List<TrainingStepResult>();
        var logger = new FakeLogger();
        var sft = await Train.SftAsync(new TrainingRequest { Config = path, OutputDir = Output("sft"), Logger = logger, Hooks = new() { OnStep = sftSteps.Add } });

        Assert.Equal(Path.Combine(Path.GetFullPath(Output("sft")), "sft", "model"), sft.ModelDirectory);
        Assert.Equal(["sft", "sft"], sftSteps.Select(s => s.Phase));   // 8 rows, batch 4
        Assert.NotNull(sft.After);                                       // the SFT-only run validates at the end
        Assert.Null(sft.ReportPath);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message is var m && m.StartsWith("sft: model saved to", StringComparison.Ordinal));

        var grpo = await Train.GrpoAsync(new TrainingRequest
        {
            Config = TrainingConfig.Load(path) with { Sft = null },
            Model = sft.ModelDirectory,
            OutputDir = Output("grpo"),
        });
        Assert.Equal(1, grpo.LastStep!.Step);
        Assert.Equal("grpo", grpo.LastStep.Phase);
        // The model folder became model.base_model and brought its tokenizer (no BPE trained in the GRPO run).
        Assert.Equal(sft.ModelDirectory, grpo.Config.Model.BaseModel);
        Assert.Equal(sft.ModelDirectory, grpo.Config.Tokenizer.Path);
        Assert.False(Directory.Exists(Path.Combine(grpo.OutputDir, "tokenizer")));
        Assert.Equal(Qwen2Tokenizer.FromDirectory(sft.ModelDirectory).VocabSize, Qwen2Tokenizer.FromDirectory(grpo.ModelDirectory).VocabSize);
        Assert.Equal(cwd, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task PpoMakesItsCriticFromThePolicy()
    {
        // algorithm grpo in the configuration: PpoAsync overrides it.
        var config = Tiny(Output("ppo"), t => t with { SaveFreq = -1, TestFreq = -1, ValBeforeTrain = false, TotalTrainingSteps = 1 }) with { CriticLr = 0.001 };
        var result = await Train.PpoAsync(new TrainingRequest { Config = config, Model = TinyModel(), Tokenizer = TinyRun.Tokenizer, TrainData = TinyRun.Rows(8).ToArray() });
        Assert.Equal("ppo", result.LastStep!.Phase);
        Assert.NotNull(result.LastStep[MetricNames.VfLoss]);
        Assert.True(Directory.Exists(Path.Combine(Path.GetDirectoryName(result.ModelDirectory)!, "critic")));
    }

    [Fact]
    public void BadRequestsAreRefusedBeforeAnythingRunsNamingTheFix()
    {
        var config = TinyRun.GrpoConfig(Output("bad"));
        var duplicate = Assert.Throws<ArgumentException>(() => Train.Pipeline(new TrainingRequest { Config = config, Rewards = ["toolrl", new(new NamedToolRL())] }));
        Assert.Contains("two reward terms are named 'toolrl'", duplicate.Message);

        // SFT needs an sft section: the configuration's own error, naming the field and the fix.
        var noSft = Assert.Throws<ConfigurationException>(() => Train.Pipeline(new TrainingRequest { Config = config }, AlgorithmKind.Sft));
        Assert.Contains("$.sft", noSft.Message);

        // Rules of the file apply to a configuration built in code too.
        var odd = Assert.Throws<ConfigurationException>(() => Train.Pipeline(new TrainingRequest { Config = config with { PpoMiniBatchSize = 3 }, Model = TinyModel(), Tokenizer = TinyRun.Tokenizer }));
        Assert.Contains("$.ppo_mini_batch_size", odd.Message);
        Assert.False(Directory.Exists(Output("bad")));
    }

    [Fact]
    public async Task ToolsReachTheEnvironmentBesideItsOwn()
    {
        // A tool named like one of retail's own is refused when the environment is reset: proof that the request's
        // tools are offered in the environment (WithExtraTools), before any training step.
        var config = TrainingConfig.FromJson(JsonNode.Parse("""
            {
              "algorithm": "grpo", "seed": 3, "batch_size": 2, "n": 2, "max_prompt_length": 2048, "max_response_length": 8,
              "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 4, "kl_coef": 0, "use_kl_in_reward": false,
              "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail", "options": { "train_tasks": 2, "validation_tasks": 1, "users": 1 }, "max_assistant_turns": 1, "eval_trials": 1 },
              "trainer": { "experiment_name": "tools", "save_freq": -1, "test_freq": -1, "val_before_train": false, "total_training_steps": 1 }
            }
            """)!.AsObject());
        var clash = AIFunctionFactory.Create(() => "x", "list_products", "A second list_products.");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Train.GrpoAsync(new TrainingRequest { Config = config, Tools = [clash], OutputDir = Output("clash") }));
        Assert.Contains("the extra tool 'list_products' has the name of one of the environment's tools", error.Message);

        // Without an environment there is nowhere to offer them.
        var noEnvironment = Assert.Throws<ArgumentException>(() => Train.Pipeline(new TrainingRequest { Config = TinyRun.GrpoConfig(Output("x")), Tools = [clash] }));
        Assert.Contains("add an \"environment\" section", noEnvironment.Message);
    }

    [Fact]
    public async Task RftSamplesInTheEnvironmentAndFineTunesWhateverAlgorithmTheConfigurationNames()
    {
        // A tiny retail environment without a warm start: 2 tasks × 2 samples, threshold 0 keeps every trajectory.
        var config = TrainingConfig.FromJson(JsonNode.Parse("""
            {
              "algorithm": "grpo", "seed": 3, "batch_size": 2, "n": 2, "max_prompt_length": 2048, "max_response_length": 24,
              "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 4,
              "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail", "options": { "train_tasks": 2, "validation_tasks": 1, "users": 2 }, "max_assistant_turns": 1, "eval_trials": 1 },
              "rft": { "rounds": 1, "samples_per_task": 2, "threshold": 0.0, "lr": 1e-3, "batch_size": 4, "micro_batch_size": 4 },
              "trainer": { "experiment_name": "facade-rft", "save_freq": -1, "test_freq": -1, "val_before_train": false }
            }
            """)!.AsObject());
        var steps = new List<TrainingStepResult>();
        var result = await Train.RftAsync(new TrainingRequest { Config = config, OutputDir = Output("rft"), Hooks = new() { OnStep = steps.Add } });

        Assert.Equal(AlgorithmKind.Rft, result.Config.Algorithm);   // RftAsync runs RFT whatever the file says
        Assert.Equal(["rft"], steps.Select(s => s.Phase).Distinct());
        Assert.Equal(Path.Combine(result.OutputDir, "rft", "model"), result.ModelDirectory);
        Assert.True(File.Exists(Path.Combine(result.ModelDirectory, "config.json")));
        Assert.NotNull(result.AgentBefore);                           // the environment's pass^k of the RFT model
    }

    private static Qwen2ForCausalLM TinyModel() => TinyRun.Policy().Model;

    private static TrainingConfig Tiny(string output, Func<TrainerConfig, TrainerConfig> trainer)
    {
        var config = TinyRun.GrpoConfig(output);
        return config with { Trainer = trainer(config.Trainer) };
    }

    private sealed class NamedToolRL : IRewardFunction
    {
        public string Name => "toolrl";

        public RewardOutput Score(IReadOnlyList<RewardSample> batch) => new double[batch.Count];
    }
}
