using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Training;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Training;

/// <summary>A few-thousand-parameter policy on synthetic tool-calling prompts: small enough for a test to train it in seconds.</summary>
internal sealed class TinyRun : IDisposable
{
    private static readonly Lazy<Qwen2Tokenizer> SharedTokenizer = new(() =>
        BpeTrainer.Train(SyntheticToolTask.CorpusTexts(Rows(64)).Append("system\nuser\nassistant\n"), 320));

    public TinyRun(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public static Qwen2Tokenizer Tokenizer => SharedTokenizer.Value;

    public static IReadOnlyList<RlRow> Rows(int count, int seed = 5) => SyntheticToolTask.Generate(count, seed, SyntheticTaskOptions.Tiny);

    public static Qwen2Policy Policy(long seed = 3) => new(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = Tokenizer.VocabSize,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        MaxPositionEmbeddings = 1024,
        TieWordEmbeddings = true,
        EosTokenIds = [Tokenizer.ImEndTokenId],
    }, seed));

    /// <summary>A GRPO configuration for the tiny policy (overridable with <c>with</c>).</summary>
    public static TrainingConfig GrpoConfig(string output) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "grpo", "seed": 11, "batch_size": 4, "epochs": 1, "n": 4,
          "max_prompt_length": 1024, "max_response_length": 16,
          "actor_lr": 0.01, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 4,
          "entropy_coeff": 0, "kl_coef": 0.01, "use_kl_in_reward": true,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 4, "preset": "tiny" } },
          "trainer": { "experiment_name": "test-qwen", "output_dir": "{{output.Replace("\\", "/")}}", "save_freq": 2, "test_freq": 2, "total_training_steps": 4 }
        }
        """)!.AsObject());

    public RlTrainerSetup Setup(TrainingConfig config, IPolicyModel policy, IRewardFunction reward, bool resume = false, IPolicyModel? reference = null) => new()
    {
        Config = config,
        Policy = policy,
        Reference = reference,
        Prompts = new PromptEncoder(Tokenizer, config.MaxPromptLength),
        TrainRows = Rows(config.BatchSize * 4),
        ValRows = Rows(4, seed: 99),
        Reward = reward,
        OutputDir = Directory,
        Resume = resume,
    };

    /// <summary>
    /// <paramref name="config"/> cut to <paramref name="steps"/> steps of 2 prompts × 4 responses in one mini-batch,
    /// without checkpoints or validation.
    /// </summary>
    public static TrainingConfig Short(TrainingConfig config, int steps) => config with
    {
        BatchSize = 2,
        N = 4,
        PpoMiniBatchSize = 2,
        Trainer = config.Trainer with { TotalTrainingSteps = steps, SaveFreq = -1, TestFreq = -1, ValBeforeTrain = false },
    };

    /// <summary>
    /// A GRPO run of a fresh tiny policy (its reference an identical copy) on the brevity reward with
    /// <paramref name="edit"/> applied to <see cref="GrpoConfig"/>: the steps and the final weights.
    /// </summary>
    public async Task<(List<TrainingStepResult> Steps, float[] Weights)> GrpoRunAsync(Func<TrainingConfig, TrainingConfig> edit)
    {
        using var policy = Policy();
        using var reference = Policy();
        using var trainer = new GrpoTrainer(Setup(edit(GrpoConfig(Directory)), policy, new BrevityReward(), reference: reference));
        var steps = await Collect(trainer);
        return (steps, policy.Module.Parameters().SelectMany(p => p.Detach().ToArray<float>()).ToArray());
    }

    /// <summary>Runs <paramref name="trainer"/>, collecting its steps; stops after step <paramref name="stopAfter"/> when given (a killed run).</summary>
    public static async Task<List<TrainingStepResult>> Collect(RlTrainer trainer, int? stopAfter = null)
    {
        var steps = new List<TrainingStepResult>();
        await foreach (var step in trainer.TrainAsync())
        {
            steps.Add(step);
            if (step.Step == stopAfter)
            {
                break;
            }
        }
        return steps;
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>
/// A reward a tiny model learns in a few steps: shorter responses score higher (1 for an immediate &lt;|im_end|&gt;,
/// 0 for 60 or more characters), which only needs the end token's probability to rise.
/// </summary>
internal sealed class BrevityReward : IRewardFunction
{
    public string Name => "brevity";

    public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
        batch.Select(s => 1.0 - Math.Min(s.Completion.Length, 60) / 60.0).ToArray();
}
