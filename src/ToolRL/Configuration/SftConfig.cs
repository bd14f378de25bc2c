using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// An SFT phase (<c>sft</c> section): cross-entropy on assistant tokens. With <c>algorithm</c> grpo/ppo it is the
/// warm start run before RL (the paper's "SFT400 + GRPO"); with <c>algorithm: sft</c> it is the whole run.
/// </summary>
public sealed record SftConfig
{
    /// <summary><c>train_files</c>: SFT conversations; empty = the <c>data</c> section's training set.</summary>
    public IReadOnlyList<string> TrainFiles { get; init; } = [];

    /// <summary><c>epochs</c> over the SFT data (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary><c>lr</c>: AdamW learning rate (default 1e-5).</summary>
    public double Lr { get; init; } = 1e-5;

    /// <summary><c>batch_size</c>: conversations per optimizer step (default 16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary><c>micro_batch_size</c>: conversations per forward pass, gradients accumulated (default 8).</summary>
    public int MicroBatchSize { get; init; } = 8;

    /// <summary><c>max_length</c>: truncate conversations to this many tokens (null = max_prompt_length + max_response_length).</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// <c>lr_scheduler</c>: the SFT phase's own schedule (same keys as the top-level section). Default: constant after
    /// a linear warmup over 5% of the steps. Optimizer step s (1-based) trains with the rate the schedule gives after
    /// s steps, so warmup never spends a step at rate 0; a decay ends at <c>min_lr_ratio</c> on the last step.
    /// </summary>
    public LrSchedulerConfig LrScheduler { get; init; } = new() { WarmupRatio = 0.05 };

    internal static SftConfig Read(JsonSection s)
    {
        var d = new SftConfig();
        var config = new SftConfig
        {
            TrainFiles = s.StringList("train_files", "give a path or a list of paths of SFT files, e.g. [\"data/sft.jsonl\"]"),
            Epochs = s.Int("epochs", d.Epochs, 1, "must be at least 1", "set sft.epochs to e.g. 1"),
            Lr = s.Double("lr", d.Lr, v => v > 0 && v < 1, "must be in (0, 1)", "set sft.lr to e.g. 1e-5"),
            BatchSize = s.Int("batch_size", d.BatchSize, 1, "must be at least 1", "set sft.batch_size to e.g. 16"),
            MicroBatchSize = s.Int("micro_batch_size", d.MicroBatchSize, 1, "must be at least 1", "set sft.micro_batch_size to a divisor of sft.batch_size"),
            MaxLength = s.OptionalInt("max_length", 8, "must be at least 8", "remove max_length or set it to e.g. 2048"),
            LrScheduler = s.Section("lr_scheduler") is { } schedule ? LrSchedulerConfig.Read(schedule) : d.LrScheduler,
        };
        s.Divides("micro_batch_size", config.MicroBatchSize, "batch_size", config.BatchSize, "choose a micro_batch_size that divides batch_size (e.g. batch 16, micro 8)");
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["train_files"] = new JsonArray(TrainFiles.Select(f => (JsonNode)f).ToArray()),
            ["epochs"] = Epochs,
            ["lr"] = Lr,
            ["batch_size"] = BatchSize,
            ["micro_batch_size"] = MicroBatchSize,
            ["lr_scheduler"] = LrScheduler.ToJson(),
        };
        if (MaxLength is { } max)
        {
            o["max_length"] = max;
        }
        return o;
    }
}
