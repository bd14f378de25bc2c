using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Tokenization;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Training;

/// <summary>
/// <c>sft.lr_scheduler</c>: the rate of every SFT step (<c>sft/lr</c>) follows the configured schedule, evaluated
/// after s steps for optimizer step s; the default keeps the former behaviour (warmup over 5% of the steps, then
/// constant). Expected values are the schedules' formulas written out here.
/// </summary>
public sealed class SftScheduleTests
{
    private static TrainingConfig Config(string? schedule) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "sft", "seed": 3, "batch_size": 4, "max_prompt_length": 1024, "max_response_length": 12,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 40, "val_count": 0, "preset": "tiny" } },
          "sft": { "epochs": 1, "lr": 0.002, "batch_size": 2, "micro_batch_size": 2 {{(schedule is null ? "" : ", \"lr_scheduler\": " + schedule)}} },
          "trainer": { "experiment_name": "schedule-qwen", "test_freq": -1, "val_before_train": false }
        }
        """)!.AsObject());

    private static async Task<List<double>> Rates(TrainingConfig config)
    {
        using var policy = TinyRun.Policy();
        var rows = TinyRun.Rows(40).Select(SftRow.FromRlRow).ToList();
        using var trainer = new SftTrainer(config, policy, new PromptEncoder(TinyRun.Tokenizer, config.MaxPromptLength), rows);
        var rates = new List<double>();
        await foreach (var step in trainer.TrainAsync())
        {
            rates.Add(step.Metrics.Get(MetricNames.SftLr)!.Value);
        }
        return rates;
    }

    [Fact]
    public async Task EveryStepReportsTheSameOptimizerMetricsAsTheActorAndCritic()
    {
        // One ParameterGroup serves SFT, actor and critic: each logs {group}/grad_norm, skipped_steps and lr.
        var config = Config(null);
        using var policy = TinyRun.Policy();
        using var trainer = new SftTrainer(config, policy, new PromptEncoder(TinyRun.Tokenizer, config.MaxPromptLength), TinyRun.Rows(8).Select(SftRow.FromRlRow).ToList());
        var steps = 0;
        await foreach (var step in trainer.TrainAsync())
        {
            Assert.True(step.Metrics.Get("sft/grad_norm") is > 0 and var n && double.IsFinite(n), $"sft/grad_norm = {step.Metrics.Get("sft/grad_norm")}");
            Assert.Equal(0, step.Metrics.Get("sft/skipped_steps"));
            steps++;
        }
        Assert.Equal(4, steps);
    }

    [Fact]
    public async Task DefaultIsOneWarmupStepThenConstant()
    {
        var rates = await Rates(Config(null));
        Assert.Equal(20, rates.Count);                       // 40 rows, 2 per step; warmup = max(1, ⌊0.05·20⌋) = 1
        Assert.All(rates, r => Assert.Equal(0.002, r, 12));
    }

    [Fact]
    public async Task CosineWarmsUpThenDecaysToTheMinimumOnTheLastStep()
    {
        var rates = await Rates(Config("""{ "type": "cosine", "warmup_steps": 4, "min_lr_ratio": 0.1 }"""));
        Assert.Equal(20, rates.Count);
        for (var s = 1; s <= 20; s++)
        {
            var expected = s < 4
                ? 0.002 * s / 4
                : 0.002 * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * (s - 4) / 16.0)));
            Assert.Equal(expected, rates[s - 1], 12);
        }
        Assert.Equal(0.0002, rates[^1], 12);
    }

    [Fact]
    public void ScheduleRoundTripsThroughTheWrittenConfig()
    {
        var config = Config("""{ "type": "linear", "warmup_ratio": 0.1 }""");
        Assert.Equal(LrSchedulerType.Linear, config.Sft!.LrScheduler.Type);
        var again = TrainingConfig.FromJson(JsonNode.Parse(config.ToJson().ToJsonString())!.AsObject());
        Assert.Equal(config.Sft.LrScheduler, again.Sft!.LrScheduler);
    }
}
