using System.Text.Json.Nodes;
using ToolRL.Runs;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Runs;

/// <summary>
/// Issue #22, faults 4 and 5: a resume with a changed configuration ran on silently (a new learning rate) or died
/// with an ArgumentException (a new seed or hidden size), and a truncated optimizer file in the newest complete
/// checkpoint stopped --resume with a stack trace. Now shape changes are refused with the changed keys, schedule
/// changes need --allow-config-change and are recorded, and --resume falls back to the newest loadable checkpoint.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly TempDirectory _temp = new("resume");

    public void Dispose() => _temp.Dispose();

    private string Run => Path.Combine(_temp.Path, "run");

    private string TrainTwoSteps()
    {
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinyGrpo);
        var (code, _, err) = Cli.Run("train", config, "--output", Run);
        Assert.True(code == 0, err);
        return config;
    }

    [Fact]
    public void EachClassOfConfigurationChangeIsTreatedAsItsClassSays()
    {
        TrainTwoSteps();
        var metricsBefore = File.ReadAllText(Path.Combine(Run, MetricsLog.JsonlFileName));

        // Shape: refused, naming every changed key with both values.
        var shape = Cli.WriteConfig(Path.Combine(_temp.Path, "shape.json"), Cli.TinyGrpo, c =>
        {
            c["seed"] = 4;
            c["model"]!["tiny"]!["hidden_size"] = 64;
        });
        var (code, _, err) = Cli.Run("train", shape, "--output", Run, "--resume", "--allow-config-change");
        Assert.Equal(2, code);
        Cli.AssertOneLineError(err, "seed 3 → 4", "model.tiny.hidden_size 32 → 64", "--overwrite");

        // Schedule: refused without the flag.
        var schedule = Cli.WriteConfig(Path.Combine(_temp.Path, "schedule.json"), Cli.TinyGrpo, c =>
        {
            c["actor_lr"] = 0.002;
            c["trainer"]!["total_training_steps"] = 3;
        });
        (code, _, err) = Cli.Run("train", schedule, "--output", Run, "--resume");
        Assert.Equal(2, code);
        Cli.AssertOneLineError(err, "actor_lr 0.001 → 0.002", "trainer.total_training_steps 2 → 3", "--allow-config-change");
        Assert.Equal(metricsBefore, File.ReadAllText(Path.Combine(Run, MetricsLog.JsonlFileName)));

        // Schedule with the flag: applied, logged, recorded per step and in the history.
        var (ok, output, err2) = Cli.Run("train", schedule, "--output", Run, "--resume", "--allow-config-change");
        Assert.True(ok == 0, err2);
        Assert.Contains("configuration change applied: actor_lr 0.001 → 0.002", output);
        var rows = MetricsLog.ReadJsonl(Path.Combine(Run, MetricsLog.JsonlFileName));
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Step));
        Assert.Null(rows[1].Get(ConfigHistory.RevisionMetric));
        Assert.Equal(0.002, rows[2].Get("config/actor_lr"));
        Assert.Equal(3, rows[2].Get("config/trainer.total_training_steps"));
        Assert.Equal(1, rows[2].Get(ConfigHistory.RevisionMetric));
        var history = ConfigHistory.Read(Run);
        Assert.Equal(["start", "resume"], history.Select(h => h["event"]!.GetValue<string>()));
        Assert.Equal(2, history[1]["resumed_after_step"]!.GetValue<long>());
        Assert.Equal(["actor_lr", "trainer.total_training_steps"], history[1]["changes"]!.AsArray().Select(c => c!["key"]!.GetValue<string>()));
        Assert.Contains("\"actor_lr\": 0.002", File.ReadAllText(Path.Combine(Run, RunFolder.ResolvedConfigFile)));
    }

    [Fact]
    public void ResumeFallsBackFromACompleteCheckpointWithATruncatedOptimizerFile()
    {
        var config = TrainTwoSteps();
        var newest = Path.Combine(Run, "checkpoints", "global_step_2");
        var optimizer = Path.Combine(newest, "optimizer.safetensors");
        using (var file = File.Open(optimizer, FileMode.Open))
        {
            file.SetLength(file.Length / 2);
        }

        var (code, output, err) = Cli.Run("train", config, "--output", Run, "--resume");

        Assert.True(code == 0, err);
        Assert.Contains($"warning: resume: skipped checkpoint {newest}", output);
        Assert.Contains("global_step_1", output);
        Assert.Contains("resume: continuing after step 1", output);
        var store = new CheckpointStore(Path.Combine(Run, "checkpoints"));
        Assert.Equal([1L, 2L], store.Complete().Select(c => c.Step));
        Assert.Null(CheckpointVerifier.Problem(newest));
        Assert.Single(Directory.EnumerateDirectories(store.Root, CheckpointVerifier.DamagedPrefix + "*"));
        Assert.Equal([1L, 2L], MetricsLog.ReadJsonl(Path.Combine(Run, MetricsLog.JsonlFileName)).Select(r => r.Step));
    }

    [Fact]
    public void ChangedKeysAreClassified()
    {
        var before = JsonNode.Parse("""{"seed": 1, "actor_lr": 0.1, "model": {"tiny": {"hidden_size": 8}}, "trainer": {"output_dir": "a", "save_freq": 1}, "lr_scheduler": {"name": "constant"}}""")!.AsObject();
        var after = JsonNode.Parse("""{"seed": 1, "actor_lr": 0.2, "model": {"tiny": {"hidden_size": 16}}, "trainer": {"output_dir": "b", "save_freq": 2}, "lr_scheduler": {"name": "cosine"}}""")!.AsObject();

        var changes = ConfigChange.Compare(before, after).ToDictionary(c => c.Key, c => c.Kind);

        Assert.Equal(new Dictionary<string, ConfigChangeKind>
        {
            ["actor_lr"] = ConfigChangeKind.Schedule,
            ["lr_scheduler"] = ConfigChangeKind.Schedule,
            ["model.tiny.hidden_size"] = ConfigChangeKind.Shape,
            ["trainer.output_dir"] = ConfigChangeKind.Neutral,
            ["trainer.save_freq"] = ConfigChangeKind.Schedule,
        }, changes);
    }
}
