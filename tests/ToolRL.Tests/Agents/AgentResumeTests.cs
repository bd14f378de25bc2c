using System.Text.Json.Nodes;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Agents;

/// <summary>
/// An agent run (gold SFT → GRPO over the retail environment) stopped mid-RL and resumed from its checkpoint writes
/// the same metrics and the same held-out pass^k as the run that was never stopped: the rollout stage samples from the
/// step's seed, the checkpoint restores policy and optimizer, and the finished stages are reused.
/// </summary>
public class AgentResumeTests
{
    private static TrainingConfig Config(string outputDir) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "grpo", "seed": 11, "batch_size": 2, "n": 2, "max_prompt_length": 2048, "max_response_length": 40,
          "actor_lr": 1e-2, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 4, "kl_coef": 0, "use_kl_in_reward": false,
          "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
          "tokenizer": { "train_bpe": { "vocab_size": 400 } },
          "environment": { "name": "retail", "options": { "train_tasks": 4, "validation_tasks": 2, "users": 2 }, "max_assistant_turns": 3, "eval_trials": 2 },
          "sft": { "epochs": 1, "lr": 1e-3, "batch_size": 4, "micro_batch_size": 4 },
          "trainer": { "experiment_name": "agent-resume", "output_dir": "{{outputDir.Replace("\\", "/")}}", "save_freq": 2, "test_freq": -1,
                       "val_before_train": false, "total_training_steps": 4 }
        }
        """)!.AsObject());

    private static async Task<List<(string Phase, long Step)>> Run(string dir, bool resume, int? stopAfterRlSteps = null)
    {
        var steps = new List<(string, long)>();
        var rlSteps = 0;
        await foreach (var step in new TrainingPipeline(Config(dir), dir, resume).RunAsync())
        {
            steps.Add((step.Phase, step.Step));
            if (step.Phase == "grpo" && ++rlSteps == stopAfterRlSteps)
            {
                break;
            }
        }
        return steps;
    }

    private static List<KeyValuePair<string, double>> WithoutTimings(MetricsRow row) =>
        [.. row.Values.Where(kv => !kv.Key.StartsWith("timing_s/", StringComparison.Ordinal))];

    [Fact]
    public async Task A_stopped_agent_run_resumed_from_its_checkpoint_reproduces_the_uninterrupted_run()
    {
        using var temp = new TempDirectory("agent-resume");
        var whole = Path.Combine(temp.Path, "whole");
        var stopped = Path.Combine(temp.Path, "stopped");

        var wholeSteps = await Run(whole, resume: false);
        Assert.Equal([1L, 2, 3, 4], wholeSteps.Where(s => s.Phase == "grpo").Select(s => s.Step));

        // Stopped after RL step 3: the checkpoint of step 2 is the latest, so step 3 is done again on resume.
        await Run(stopped, resume: false, stopAfterRlSteps: 3);
        Assert.False(File.Exists(Path.Combine(stopped, AgentRun.EvalFileName)) && File.ReadAllText(Path.Combine(stopped, AgentRun.EvalFileName)).Contains("\"after\"", StringComparison.Ordinal));
        var resumedSteps = await Run(stopped, resume: true);
        Assert.Equal([("grpo", 3L), ("grpo", 4L)], resumedSteps);   // the SFT warm start is reused, not redone

        var want = MetricsLog.ReadJsonl(Path.Combine(whole, MetricsLog.JsonlFileName));
        var got = MetricsLog.ReadJsonl(Path.Combine(stopped, MetricsLog.JsonlFileName));
        Assert.Equal(want.Select(r => r.Step), got.Select(r => r.Step));
        Assert.Contains(want, r => r.Get("agent/num_turns/mean") is not null);
        foreach (var (a, b) in want.Zip(got))
        {
            Assert.Equal(WithoutTimings(a), WithoutTimings(b));
        }
        // The held-out pass^k before and after RL: the same lines, and "before" was written once.
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, AgentRun.EvalFileName)), File.ReadAllLines(Path.Combine(stopped, AgentRun.EvalFileName)));
    }
}
