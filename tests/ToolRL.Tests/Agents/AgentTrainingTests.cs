using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Training;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Agents;

/// <summary>The agent loop as the trainers' rollout stage, and a whole environment run through <see cref="TrainingPipeline"/>.</summary>
public class AgentTrainingTests
{
    private static Qwen2Policy TinyPolicy() => new(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = AgentFixtures.Tokenizer.VocabSize,
        HiddenSize = 16,
        IntermediateSize = 32,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        MaxPositionEmbeddings = 2048,
        TieWordEmbeddings = true,
        EosTokenIds = [AgentFixtures.Tokenizer.ImEndTokenId],
    }, seed: 5));

    [Fact]
    public async Task The_stage_hands_grouped_masked_trajectories_with_environment_rewards_to_the_trainer()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 3, ValidationTasks = 1 });
        var stage = new AgentRolloutStage(factory, AgentFixtures.Tokenizer, new AgentRolloutOptions { MaxTurns = 2 }, environmentWeight: 2.0);
        using var policy = TinyPolicy();
        var rows = TaskRows.From(factory.Tasks(TaskSplit.Train), "retail");
        var request = new RolloutRequest(policy, rows, 2, new SamplingSettings(24, 1.0, 1.0, -1, [AgentFixtures.Tokenizer.ImEndTokenId]), Seed: 9, Step: 1);
        var batch = await stage.RolloutAsync(request, CancellationToken.None);
        Assert.Equal(6, batch.Trajectories.Count);
        Assert.Equal([0L, 0, 1, 1, 2, 2], batch.Trajectories.Select(t => t.GroupId));
        for (var i = 0; i < 6; i++)
        {
            var played = stage.LastTrajectories[i];
            var t = batch.Trajectories[i];
            Assert.Equal(played.ResponseIds, t.ResponseIds);
            Assert.Equal(played.LossMask, t.LossMask);
            Assert.Equal(2.0 * played.Score.Reward, t.Reward);
            Assert.True(t.ResponseIds.Length <= 24);
            Assert.Equal(rows[i / 2].ExtraInfo!["task_id"]!.GetValue<string>(), played.Task.Id);
        }
        Assert.Contains("agent/num_turns/mean", batch.Metrics.Keys);
        Assert.Contains("agent/tool_error_rate", batch.Metrics.Keys);
        Assert.Contains("timing_s/gen", batch.Metrics.Keys);
        // The same request gives the same trajectories (a resumed run repeats the step).
        var again = await stage.RolloutAsync(request, CancellationToken.None);
        Assert.Equal(batch.Trajectories.Select(t => t.ResponseIds), again.Trajectories.Select(t => t.ResponseIds));
    }

    [Fact]
    public async Task An_environment_run_does_gold_sft_grpo_and_writes_pass_hat_k_before_during_and_after()
    {
        using var temp = new TempDirectory("agent-pipeline");
        var config = TrainingConfig.FromJson(JsonNode.Parse($$"""
            {
              "algorithm": "grpo", "seed": 3, "batch_size": 2, "n": 2, "max_prompt_length": 2048, "max_response_length": 48,
              "actor_lr": 1e-3, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 4, "kl_coef": 0, "use_kl_in_reward": false,
              "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail", "options": { "train_tasks": 4, "validation_tasks": 2, "users": 2 }, "max_assistant_turns": 3, "eval_trials": 2 },
              "sft": { "epochs": 1, "lr": 1e-3, "batch_size": 4, "micro_batch_size": 4 },
              "trainer": { "experiment_name": "agent-test", "output_dir": "{{temp.Path.Replace("\\", "/")}}", "save_freq": -1, "test_freq": 1, "val_before_train": false, "total_training_steps": 2 }
            }
            """)!.AsObject());
        var pipeline = new TrainingPipeline(config, temp.Path, resume: false);
        var phases = new List<string>();
        await foreach (var step in pipeline.RunAsync())
        {
            phases.Add(step.Phase);
        }
        Assert.Equal(["sft", "grpo", "grpo"], phases);
        // Held-out pass^k before RL, at every test_freq step before the last, and after RL.
        var lines = File.ReadAllLines(Path.Combine(temp.Path, AgentRun.EvalFileName)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["before", "step_1", "after"], lines.Select(l => l["phase"]!.GetValue<string>()));
        foreach (var line in lines)
        {
            Assert.InRange(line["val/agent/pass^1"]!.GetValue<double>(), 0, 1);
            Assert.True(line["val/agent/pass^2"]!.GetValue<double>() <= line["val/agent/pass^1"]!.GetValue<double>());
            Assert.True(line["val/agent/pass@2"]!.GetValue<double>() >= line["val/agent/pass^1"]!.GetValue<double>());
        }
        Assert.Equal(pipeline.AgentAfter!.Metrics["val/agent/pass^1"], lines[2]["val/agent/pass^1"]!.GetValue<double>());
        var metrics = File.ReadAllLines(Path.Combine(temp.Path, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True(metrics[^1].ContainsKey("agent/num_turns/mean"));
        // The step-1 evaluation joins step 1's metrics row.
        var step1 = metrics.Single(m => m["step"]!.GetValue<int>() == 1);
        Assert.Equal(lines[1]["val/agent/pass^1"]!.GetValue<double>(), step1["val/agent/pass^1"]!.GetValue<double>());
        // Each evaluation's trajectories are written for reading: 2 tasks × 2 trials, messages after the system prompt.
        var played = File.ReadAllLines(Path.Combine(temp.Path, "agent_eval", "step_1.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(4, played.Count);
        Assert.All(played, p => Assert.Equal("user", p["messages"]![0]!["role"]!.GetValue<string>()));
        Assert.Equal(lines[1]["val/agent/success/mean"]!.GetValue<double>(), played.Average(p => p["success"]!.GetValue<bool>() ? 1.0 : 0.0));
    }

    [Fact]
    public async Task Algorithm_rft_samples_filters_and_fine_tunes_after_the_gold_sft()
    {
        using var temp = new TempDirectory("agent-rft");
        var config = RftRunConfig("rft", temp.Path);
        Assert.Equal(config.ToJsonString(), TrainingConfig.Parse(config.ToJsonString()).ToJsonString());
        var phases = new List<string>();
        await foreach (var step in new TrainingPipeline(config, temp.Path, resume: false).RunAsync())
        {
            phases.Add(step.Phase);
        }
        // Threshold 0 keeps all 3 × 2 trajectories: one optimizer step of 6.
        Assert.Equal(["sft", "rft"], phases);
        Assert.True(File.Exists(Path.Combine(temp.Path, "rft", "model", "config.json")));
        // The SFT start and the RL start (after RFT) are both evaluated.
        Assert.Equal(["after_sft", "before"], File.ReadAllLines(Path.Combine(temp.Path, AgentRun.EvalFileName)).Select(l => JsonNode.Parse(l)!["phase"]!.GetValue<string>()));
        var e = Assert.Throws<ConfigurationException>(() => TrainingConfig.Parse(config.ToJsonString().Replace("\"environment\"", "\"environment_off\"", StringComparison.Ordinal)));
        Assert.Contains("environment_off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Algorithm_sft_keeps_to_the_warm_start_even_with_an_rft_section()
    {
        using var temp = new TempDirectory("agent-sft-only");
        var phases = new List<string>();
        await foreach (var step in new TrainingPipeline(RftRunConfig("sft", temp.Path), temp.Path, resume: false).RunAsync())
        {
            phases.Add(step.Phase);
        }
        Assert.Equal(["sft"], phases.Distinct());
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "rft")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "sft", "model", "config.json")));
    }

    private static TrainingConfig RftRunConfig(string algorithm, string outputDir) =>
        TrainingConfig.FromJson(JsonNode.Parse($$"""
            {
              "algorithm": "{{algorithm}}", "seed": 3, "batch_size": 2, "n": 2, "max_prompt_length": 2048, "max_response_length": 40,
              "ppo_mini_batch_size": 2,
              "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail", "options": { "train_tasks": 3, "validation_tasks": 1, "users": 2 }, "max_assistant_turns": 2, "eval_trials": 1 },
              "sft": { "epochs": 1, "lr": 1e-3, "batch_size": 4, "micro_batch_size": 4 },
              "rft": { "rounds": 1, "samples_per_task": 2, "threshold": 0.0, "lr": 1e-3, "batch_size": 6, "micro_batch_size": 6 },
              "trainer": { "experiment_name": "agent-rft", "output_dir": "{{outputDir.Replace("\\", "/")}}", "save_freq": -1, "test_freq": -1, "val_before_train": false }
            }
            """)!.AsObject());

    [Fact]
    public async Task Rejection_sampling_plays_every_task_in_memory_bounded_batches()
    {
        // 40 tasks × 4 samples = 160 trajectories: more than one batch of AgentRun.MaxRowsPerRollout.
        var config = new EnvironmentConfig { Options = new JsonObject { ["train_tasks"] = 40, ["validation_tasks"] = 1, ["users"] = 2 }, MaxAssistantTurns = 1 };
        await using var run = await AgentRun.StartAsync(config);
        using var policy = TinyPolicy();
        var rft = new RftConfig { SamplesPerTask = 4, Threshold = double.NegativeInfinity };
        Assert.True(40 * rft.SamplesPerTask > AgentRun.MaxRowsPerRollout);
        var kept = await run.RejectionSampleAsync(policy.Model, AgentFixtures.Tokenizer, 12, rft, seed: 3);
        Assert.Equal(160, kept.Count);
        // Task-major order across batches: each task's four samples share its prompt.
        Assert.All(Enumerable.Range(0, 40), g => Assert.Equal(kept[4 * g].PromptIds, kept[4 * g + 3].PromptIds));
        // tasks_per_round plays a slice of the tasks per round: 10 tasks × 4 samples.
        var sliced = await run.RejectionSampleAsync(policy.Model, AgentFixtures.Tokenizer, 12, rft with { TasksPerRound = 10 }, seed: 3, round: 2);
        Assert.Equal(40, sliced.Count);
    }

    [Fact]
    public void Rft_rounds_take_successive_slices_of_the_tasks_wrapping_around()
    {
        var tasks = Enumerable.Range(0, 5).Select(i => new AgentTask($"t{i}", [])).ToList();
        string Ids(int perRound, int round) => string.Join(",", AgentRun.RoundTasks(tasks, perRound, round).Select(t => t.Id));
        Assert.Equal("t0,t1", Ids(2, 1));
        Assert.Equal("t2,t3", Ids(2, 2));
        Assert.Equal("t4,t0", Ids(2, 3));
        Assert.Equal("t0,t1,t2,t3,t4", Ids(0, 4));
        Assert.Equal("t0,t1,t2,t3,t4", Ids(9, 2));
    }
}
