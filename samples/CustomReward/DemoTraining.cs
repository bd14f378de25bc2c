using System.Globalization;
using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Training;

namespace CustomReward;

/// <summary>
/// A few GRPO steps of the tiny demo model (a random-init one-layer Qwen2 with a byte-level BPE trained on
/// synthetic tool-calling prompts) under the ToolRL reward plus <see cref="ThoughtLengthPenalty"/>, through the
/// one-call trainer <see cref="Train.GrpoAsync"/>. A model this small learns nothing useful in a few steps: the
/// point is the wiring, i.e. your reward drives the update and shows up in the metrics.
/// </summary>
internal static class DemoTraining
{
    /// <summary>Trains <paramref name="steps"/> steps, printing one "step i/N key=value ..." line per step.</summary>
    public static async Task<int> RunAsync(ThoughtLengthPenalty penalty, int steps, CancellationToken cancellationToken = default)
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
              "data": { "synthetic": { "train_count": 16, "val_count": 0, "seed": 1234, "preset": "tiny" } },
              "trainer": { "experiment_name": "custom-reward-qwen", "output_dir": "runs/custom-reward", "save_freq": -1, "test_freq": -1,
                           "val_before_train": false, "total_training_steps": {{steps.ToString(CultureInfo.InvariantCulture)}} }
            }
            """)!.AsObject());

        var result = await Train.GrpoAsync(new TrainingRequest
        {
            Config = config,
            Rewards = ["toolrl", new(penalty, 0.5)],   // total = 1.0 · toolrl + 0.5 · thought_length (TRL's reward_weights)
            Start = new() { Overwrite = true },         // a second run replaces the first
            Hooks = new()
            {
                OnStep = step => Console.WriteLine(
                    $"step {step.Step}/{step.TotalSteps} reward={Metric(step, "critic/score/mean")} " +
                    $"toolrl={Metric(step, "rewards/toolrl/mean")} thought_length={Metric(step, "rewards/thought_length/mean")} " +
                    $"pg_loss={Metric(step, "actor/pg_loss")} grad_norm={Metric(step, "actor/grad_norm")} " +
                    $"response_length={Metric(step, "response_length/mean")}"),
            },
        }, cancellationToken);
        Console.WriteLine($"trained {result.LastStep?.Step ?? 0} steps; metrics and report under {result.OutputDir}");
        return 0;
    }

    // A missing metric prints as "missing" (not a number), so a consumer test notices a renamed metric.
    private static string Metric(TrainingStepResult step, string name) =>
        step[name] is double value ? value.ToString("R", CultureInfo.InvariantCulture) : "missing";
}
