using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ToolRL.Tests.Runs;

/// <summary>The real <c>toolrl</c> command, in-process (<see cref="ToolRL.Cli.Program.Run"/>) or as a child process, and tiny run configurations.</summary>
internal static class Cli
{
    /// <summary>A GRPO run of a few-thousand-parameter model on 16 synthetic prompts, 2 steps, a checkpoint per step.</summary>
    public const string TinyGrpo = """
        {
          "algorithm": "grpo", "seed": 3, "batch_size": 4, "epochs": 1, "n": 2,
          "max_prompt_length": 1024, "max_response_length": 8,
          "actor_lr": 0.001, "ppo_mini_batch_size": 4, "ppo_micro_batch_size": 8, "kl_coef": 0,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 300 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 0, "preset": "tiny", "instructions": "minimal" } },
          "trainer": { "experiment_name": "safety-qwen", "save_freq": 1, "test_freq": -1, "val_before_train": false, "total_training_steps": 2 }
        }
        """;

    /// <summary>An SFT-only run (the fastest whole pipeline).</summary>
    public const string TinySft = """
        {
          "algorithm": "sft", "seed": 3, "batch_size": 4, "max_prompt_length": 1024, "max_response_length": 8,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 300 } },
          "data": { "synthetic": { "train_count": 8, "val_count": 0, "preset": "tiny", "instructions": "minimal" } },
          "sft": { "epochs": 1, "lr": 0.001, "batch_size": 8, "micro_batch_size": 8 },
          "trainer": { "experiment_name": "safety-qwen", "test_freq": -1, "val_before_train": false }
        }
        """;

    /// <summary><paramref name="json"/> with <paramref name="edit"/> applied, written to <paramref name="path"/>.</summary>
    public static string WriteConfig(string path, string json, Action<JsonObject>? edit = null)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        edit?.Invoke(root);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    /// <summary>Runs the CLI in-process; returns the exit code and what it wrote.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = ToolRL.Cli.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts the CLI as a child process (output drained in the background).</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, StringWriter? stderr = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ToolRL.Cli.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && stderr is not null)
            {
                lock (stderr)
                {
                    stderr.WriteLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="seconds"/> or when <paramref name="child"/> exits.</summary>
    public static void WaitFor(Func<bool> condition, Process child, string what, int seconds = 180)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.False(child.HasExited, $"the child exited (code {(child.HasExited ? child.ExitCode : 0)}) before {what}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Asserts an error is one <c>error:</c> line (no stack trace) containing every fragment.</summary>
    public static void AssertOneLineError(string stderr, params string[] fragments)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", stderr);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, lines[0]);
        }
    }
}
