using System.Globalization;
using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Training;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace CustomReward;

/// <summary>
/// A few GRPO steps of the tiny demo model (a random-init one-layer Qwen2 with a byte-level BPE trained on
/// synthetic tool-calling prompts) under the combined reward. A model this small learns nothing useful in a
/// few steps: the point is the wiring, i.e. your reward drives the update and shows up in the metrics.
/// </summary>
internal static class DemoTraining
{
    /// <summary>Trains <paramref name="steps"/> steps, printing one "step i/N key=value ..." line per step.</summary>
    public static async Task<int> RunAsync(IRewardFunction reward, int steps, CancellationToken cancellationToken = default)
    {
        // The same rules as a JSON config file (TrainingConfig.Load); see docs/configuration.md for every key.
        var config = TrainingConfig.FromJson(JsonNode.Parse($$"""
            {
              "algorithm": "grpo", "seed": 7, "batch_size": 4, "n": 4, "epochs": 1,
              "max_prompt_length": 1024, "max_response_length": 24,
              "actor_lr": 0.005, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 16,
              "entropy_coeff": 0, "kl_coef": 0, "use_kl_in_reward": false,
              "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
              "tokenizer": { "train_bpe": { "vocab_size": 320 } },
              "data": { "synthetic": { "train_count": 16, "val_count": 0 } },
              "trainer": { "experiment_name": "custom-reward-qwen", "save_freq": -1, "test_freq": -1, "val_before_train": false,
                           "total_training_steps": {{steps.ToString(CultureInfo.InvariantCulture)}} }
            }
            """)!.AsObject());

        var rows = SyntheticToolTask.Generate(config.BatchSize * 4, seed: 1234, SyntheticTaskOptions.Tiny);
        var tokenizer = BpeTrainer.Train(SyntheticToolTask.CorpusTexts(rows).Append("system\nuser\nassistant\n"), 320);
        var model = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            MaxPositionEmbeddings = 1024,
            TieWordEmbeddings = true,
            EosTokenIds = [tokenizer.ImEndTokenId],
        }, seed: config.Seed);
        using var policy = new Qwen2Policy(model);

        using var trainer = new GrpoTrainer(new RlTrainerSetup
        {
            Config = config,
            Policy = policy,
            Prompts = new PromptEncoder(tokenizer, config.MaxPromptLength),
            TrainRows = rows,
            Reward = reward,
            OutputDir = Path.Combine("runs", "custom-reward"),
        });
        await foreach (var step in trainer.TrainAsync(cancellationToken))
        {
            Console.WriteLine(
                $"step {step.Step}/{step.TotalSteps} reward={Metric(step, "critic/score/mean")} " +
                $"toolrl={Metric(step, "rewards/toolrl/mean")} thought_length={Metric(step, "rewards/thought_length/mean")} " +
                $"pg_loss={Metric(step, "actor/pg_loss")} grad_norm={Metric(step, "actor/grad_norm")} " +
                $"response_length={Metric(step, "response_length/mean")}");
        }
        Console.WriteLine($"trained {trainer.TotalSteps} steps; metrics and report under {Path.GetFullPath(Path.Combine("runs", "custom-reward"))}");
        return 0;
    }

    // A missing metric prints as "missing" (not a number), so a consumer test notices a renamed metric.
    private static string Metric(TrainingStepResult step, string name) =>
        step[name] is double value ? value.ToString("R", CultureInfo.InvariantCulture) : "missing";
}
