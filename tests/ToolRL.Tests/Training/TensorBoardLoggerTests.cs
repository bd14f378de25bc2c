using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolRL.Configuration;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

/// <summary><c>trainer.logger: [..., "tensorboard"]</c>: a GRPO run's metrics and validation samples in a TensorBoard event file.</summary>
public sealed partial class TensorBoardLoggerTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-tb-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public async Task Every_logged_metric_and_each_validation_reaches_the_event_file()
    {
        var baseConfig = TinyRun.GrpoConfig(_run.Directory);
        var config = baseConfig with { Trainer = baseConfig.Trainer with { TotalTrainingSteps = 2, TestFreq = 2, SaveFreq = -1, Logger = ["console", "jsonl", "tensorboard"] } };
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        using (var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: reference)))
        {
            await foreach (var _ in trainer.TrainAsync())
            {
            }
        }

        var file = Assert.Single(Directory.GetFiles(Path.Combine(_run.Directory, MetricsLog.TensorBoardFolder), "events.out.tfevents.*"));
        var proto = Path.Combine(_run.Directory, "event_subset.proto");
        File.WriteAllText(proto, TensorBoardWriterTests.EventSubsetProto);
        var scalars = new HashSet<(long, string)>();
        var texts = new List<(long Step, string Text)>();
        foreach (var record in TensorBoardWriterTests.ReadRecords(File.ReadAllBytes(file)).Skip(1))
        {
            var decoded = TensorBoardWriterTests.Protoc(proto, record);
            var stepMatch = StepLine().Match(decoded);
            var step = stepMatch.Success ? long.Parse(stepMatch.Groups[1].Value) : 0;   // proto3 text omits a default 0
            var tag = TagLine().Match(decoded).Groups[1].Value;
            if (decoded.Contains("simple_value", StringComparison.Ordinal))
            {
                scalars.Add((step, tag));
            }
            else
            {
                Assert.Equal("val/generations", tag);
                texts.Add((step, decoded));
            }
        }
        var logged = MetricsLog.ReadJsonl(Path.Combine(_run.Directory, MetricsLog.JsonlFileName));
        Assert.Equal([0L, 1, 2], logged.Select(r => r.Step));
        Assert.Equal(logged.SelectMany(r => r.Values.Keys.Select(k => (r.Step, k))).ToHashSet(), scalars);
        Assert.Contains((2L, "critic/score/mean"), scalars);
        Assert.Equal([0L, 2], texts.Select(t => t.Step));
        Assert.Contains("| # | request | response | ground truth | reward |", texts[0].Text);
    }

    [Fact]
    public void Sft_metrics_reach_the_event_file_too()
    {
        var config = Runs.Cli.WriteConfig(Path.Combine(_run.Directory, "config.json"), Runs.Cli.TinySft,
            c => c["trainer"]!["logger"] = new JsonArray("console", "jsonl", "tensorboard"));
        var output = Path.Combine(_run.Directory, "run");
        var (code, _, err) = Runs.Cli.Run("train", config, "--output", output);
        Assert.True(code == 0, err);

        var sft = Path.Combine(output, "sft");
        var file = Assert.Single(Directory.GetFiles(Path.Combine(sft, MetricsLog.TensorBoardFolder), "events.out.tfevents.*"));
        var proto = Path.Combine(_run.Directory, "event_subset.proto");
        File.WriteAllText(proto, TensorBoardWriterTests.EventSubsetProto);
        var scalars = new HashSet<(long, string)>();
        foreach (var record in TensorBoardWriterTests.ReadRecords(File.ReadAllBytes(file)).Skip(1))
        {
            var decoded = TensorBoardWriterTests.Protoc(proto, record);
            var stepMatch = StepLine().Match(decoded);
            scalars.Add((stepMatch.Success ? long.Parse(stepMatch.Groups[1].Value) : 0, TagLine().Match(decoded).Groups[1].Value));
        }
        var logged = MetricsLog.ReadJsonl(Path.Combine(sft, MetricsLog.JsonlFileName));
        Assert.NotEmpty(logged);
        Assert.Equal(logged.SelectMany(r => r.Values.Keys.Select(k => (r.Step, k))).ToHashSet(), scalars);
        Assert.Contains(scalars, s => s.Item2 == MetricNames.SftLoss);
    }

    [Fact]
    public void The_logger_key_is_checked_and_log_formats_points_to_it()
    {
        TrainingConfig Read(string trainer) => TrainingConfig.FromJson(JsonNode.Parse("""
            {"algorithm": "grpo", "batch_size": 4, "ppo_mini_batch_size": 4, "trainer": {TRAINER}, "tokenizer": {"train_bpe": {"vocab_size": 320}},
             "model": {"tiny": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64}},
             "data": {"synthetic": {"train_count": 16, "val_count": 4, "preset": "tiny"}}}
            """.Replace("TRAINER", trainer, StringComparison.Ordinal))!.AsObject());

        Assert.Equal(["console", "jsonl", "csv", "html"], Read("").Trainer.Logger);
        Assert.Equal(["console", "tensorboard"], Read("\"logger\": [\"console\", \"tensorboard\"]").Trainer.Logger);
        Assert.Contains("unknown logger \"wandb\"", Assert.ThrowsAny<Exception>(() => Read("\"logger\": [\"wandb\"]")).Message);
        Assert.Contains("renamed to logger", Assert.ThrowsAny<Exception>(() => Read("\"log_formats\": [\"jsonl\"]")).Message);
    }

    [GeneratedRegex(@"(?m)^step: (\d+)$")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"(?m)^    tag: ""([^""]*)""$")]
    private static partial Regex TagLine();
}
