using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>Run bookkeeping (<c>trainer</c> section): output folder, checkpoint and validation cadence, logs.</summary>
public sealed record TrainerConfig
{
    /// <summary>Outputs accepted in <c>logger</c>.</summary>
    public static readonly IReadOnlyList<string> KnownLogFormats = ["console", "jsonl", "csv", "html", "tensorboard"];

    /// <summary>The outputs written when <c>logger</c> is not given (TensorBoard is opt-in).</summary>
    public static readonly IReadOnlyList<string> DefaultLogger = ["console", "jsonl", "csv", "html"];

    /// <summary><c>experiment_name</c> (default "toolrl-qwen"; the ToolRL reward reads "qwen"/"llama" from it, as the reference).</summary>
    public string ExperimentName { get; init; } = "toolrl-qwen";

    /// <summary><c>output_dir</c>: metrics, checkpoints and report (default "runs/" + experiment_name).</summary>
    public string OutputDir { get; init; } = "runs/toolrl-qwen";

    /// <summary><c>save_freq</c>: checkpoint every N steps (−1 = only at the end; default −1).</summary>
    public int SaveFreq { get; init; } = -1;

    /// <summary><c>test_freq</c>: validate every N steps (−1 = never during training; default 5, as ToolRL).</summary>
    public int TestFreq { get; init; } = 5;

    /// <summary><c>val_before_train</c>: validate once before the first step (default true).</summary>
    public bool ValBeforeTrain { get; init; } = true;

    /// <summary><c>total_training_steps</c>: stop after this many steps (null = steps per epoch × epochs).</summary>
    public int? TotalTrainingSteps { get; init; }

    /// <summary><c>max_checkpoints_to_keep</c>: delete older checkpoints beyond this count (null = keep all).</summary>
    public int? MaxCheckpointsToKeep { get; init; }

    /// <summary><c>logger</c> (verl's key): any of console, jsonl, csv, html, tensorboard (default the first four);
    /// <c>tensorboard</c> writes event files under <c>OUTPUT/tensorboard/</c>.</summary>
    public IReadOnlyList<string> Logger { get; init; } = DefaultLogger;

    internal static TrainerConfig Read(JsonSection s)
    {
        var d = new TrainerConfig();
        var name = s.String("experiment_name", d.ExperimentName, n => n.Length > 0 && n.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) < 0,
            "must be a non-empty name usable as a folder name", "set experiment_name to e.g. \"grpo-qwen2.5-3b\"");
        if (s.Has("log_formats"))
        {
            s.Error("log_formats", "was renamed to logger (verl's key)", "write \"logger\": [\"console\", \"jsonl\", \"tensorboard\"] instead");
        }
        var formats = s.Has("logger") ? s.StringList("logger", "use a list such as [\"console\", \"jsonl\", \"tensorboard\"]") : d.Logger;
        foreach (var unknown in formats.Where(f => !KnownLogFormats.Contains(f)))
        {
            s.Error("logger", $"unknown logger \"{unknown}\"", $"use any of {string.Join(", ", KnownLogFormats)}");
        }
        var config = new TrainerConfig
        {
            ExperimentName = name,
            OutputDir = s.String("output_dir", "runs/" + name, p => p.Length > 0, "must not be empty", "set output_dir to a folder, e.g. \"runs/grpo\""),
            SaveFreq = s.Int("save_freq", d.SaveFreq, -1, "must be −1 (only at the end) or ≥ 1", "set save_freq to e.g. 15"),
            TestFreq = s.Int("test_freq", d.TestFreq, -1, "must be −1 (never) or ≥ 1", "set test_freq to e.g. 5"),
            ValBeforeTrain = s.Bool("val_before_train", d.ValBeforeTrain),
            TotalTrainingSteps = s.OptionalInt("total_training_steps", 1, "must be at least 1", "remove total_training_steps (epochs decide) or set it ≥ 1"),
            MaxCheckpointsToKeep = s.OptionalInt("max_checkpoints_to_keep", 1, "must be at least 1", "remove it to keep every checkpoint, or set it ≥ 1"),
            Logger = formats.Distinct().ToArray(),
        };
        if (config.SaveFreq == 0)
        {
            s.Error("save_freq", "0 is not allowed", "use −1 (save only at the end) or a positive step count");
        }
        if (config.TestFreq == 0)
        {
            s.Error("test_freq", "0 is not allowed", "use −1 (no periodic validation) or a positive step count");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["experiment_name"] = ExperimentName,
            ["output_dir"] = OutputDir,
            ["save_freq"] = SaveFreq,
            ["test_freq"] = TestFreq,
            ["val_before_train"] = ValBeforeTrain,
        };
        if (TotalTrainingSteps is { } total)
        {
            o["total_training_steps"] = total;
        }
        if (MaxCheckpointsToKeep is { } keep)
        {
            o["max_checkpoints_to_keep"] = keep;
        }
        o["logger"] = new JsonArray(Logger.Select(f => (JsonNode)f).ToArray());
        return o;
    }
}
