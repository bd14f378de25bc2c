using System.Diagnostics;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

/// <summary>
/// A run killed with SIGKILL in the middle of writing a checkpoint resumes from the previous complete one.
/// The child is the real <c>toolrl train</c> command; <c>TOOLRL_TEST_SAVE_PAUSE_MS</c> holds every save open (after
/// its files are written, before it is published) so the kill lands inside a save.
/// </summary>
public sealed class KillDuringSaveTests : IDisposable
{
    private readonly TempDirectory _temp = new("kill");

    public void Dispose() => _temp.Dispose();

    private const string Config = """
        {
          "algorithm": "grpo", "seed": 3, "batch_size": 4, "epochs": 1, "n": 2,
          "max_prompt_length": 1024, "max_response_length": 12,
          "actor_lr": 0.001, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 8, "kl_coef": 0,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 2, "preset": "tiny" } },
          "sft": { "epochs": 1, "lr": 0.001, "batch_size": 8, "micro_batch_size": 8 },
          "trainer": { "experiment_name": "kill-qwen", "save_freq": 1, "test_freq": -1, "val_before_train": false, "total_training_steps": 3 }
        }
        """;

    private Process Start(bool resume, int pauseMs)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "ToolRL.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // One thread: the suite runs tests in parallel, and an oversubscribed OpenMP team can miss the save deadline.
        foreach (var arg in new[] { cli, "train", Path.Combine(_temp.Path, "config.json"), "--output", Path.Combine(_temp.Path, "run"), "--threads", "1" }.Concat(resume ? ["--resume"] : []))
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["TOOLRL_TEST_SAVE_PAUSE_MS"] = pauseMs.ToString();
        info.Environment["NO_COLOR"] = "1";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public void SigkillDuringASaveLeavesAResumableRun()
    {
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(Path.Combine(_temp.Path, "config.json"), Config);
        var checkpoints = Path.Combine(_temp.Path, "run", "checkpoints");

        using (var child = Start(resume: false, pauseMs: 2000))
        {
            // Wait until step 1 is published and step 2's save is in progress (its temporary folder exists), then SIGKILL.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!(AtomicDirectory.IsComplete(Path.Combine(checkpoints, "global_step_1"))
                     && Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints, ".tmp-global_step_2*").Any()))
            {
                Assert.False(child.HasExited, "the training child exited before the kill");
                Assert.True(DateTime.UtcNow < deadline, "the child never reached the second save");
                Thread.Sleep(20);
            }
            child.Kill(entireProcessTree: true);   // SIGKILL on Linux
            child.WaitForExit();
        }
        var store = new CheckpointStore(checkpoints);
        Assert.Equal(1, store.Latest()!.Value.Step);

        using (var resumed = Start(resume: true, pauseMs: 0))
        {
            Assert.True(resumed.WaitForExit(TimeSpan.FromMinutes(3)), "the resumed run did not finish");
            Assert.Equal(0, resumed.ExitCode);
        }
        Assert.Equal(3, store.Latest()!.Value.Step);
        Assert.Empty(Directory.EnumerateDirectories(checkpoints, ".*"));
        var rows = MetricsLog.ReadJsonl(Path.Combine(_temp.Path, "run", MetricsLog.JsonlFileName));
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Step));
        Assert.True(File.Exists(Path.Combine(_temp.Path, "run", "report.html")));
    }
}
