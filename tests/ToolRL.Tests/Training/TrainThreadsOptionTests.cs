using System.Diagnostics;

namespace ToolRL.Tests.Training;

/// <summary>
/// <c>toolrl train --threads N</c> sets libtorch's intra-op threads for the run (default: the core count); a bad count
/// is refused with the fix; a run on several threads is deterministic.
/// </summary>
public sealed class TrainThreadsOptionTests : IDisposable
{
    private readonly TempDirectory _temp = new("threads");

    public void Dispose() => _temp.Dispose();

    private const string Config = """
        {
          "algorithm": "sft", "seed": 3, "batch_size": 4, "max_prompt_length": 1024, "max_response_length": 12,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 8, "val_count": 0, "preset": "tiny", "instructions": "minimal" } },
          "sft": { "epochs": 1, "lr": 0.001, "batch_size": 8, "micro_batch_size": 8 },
          "trainer": { "experiment_name": "threads-qwen", "test_freq": -1, "val_before_train": false }
        }
        """;

    private (int ExitCode, string Output, string Error) Train(string? threads, string run = "run")
    {
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(Path.Combine(_temp.Path, "config.json"), Config);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ToolRL.Cli.dll"), "train", Path.Combine(_temp.Path, "config.json"), "--output", Path.Combine(_temp.Path, run) })
        {
            info.ArgumentList.Add(arg);
        }
        if (threads is not null)
        {
            info.ArgumentList.Add("--threads");
            info.ArgumentList.Add(threads);
        }
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    [Fact]
    public void ThreadsOptionSetsLibtorchsIntraOpThreads()
    {
        var (exitCode, output, error) = Train("2");

        Assert.True(exitCode == 0, error);
        Assert.Contains("libtorch intra-op threads: 2", output);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "run", "sft", "model", "model.safetensors")));
    }

    [Fact]
    public void WithoutTheOptionEveryCoreIsUsed()
    {
        var (exitCode, output, error) = Train(threads: null);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"libtorch intra-op threads: {Environment.ProcessorCount}", output);
    }

    [Fact]
    public void TwoRunsOnTwoThreadsTrainTheSameWeights()
    {
        Assert.Equal(0, Train("2", "first").ExitCode);
        Assert.Equal(0, Train("2", "second").ExitCode);

        var first = File.ReadAllBytes(Path.Combine(_temp.Path, "first", "sft", "model", "model.safetensors"));
        var second = File.ReadAllBytes(Path.Combine(_temp.Path, "second", "sft", "model", "model.safetensors"));
        Assert.Equal(first, second);
    }

    [Fact]
    public void ZeroThreadsIsRefusedWithTheFix()
    {
        var (exitCode, _, error) = Train("0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--threads must be at least 1", error);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "run")));
    }
}
