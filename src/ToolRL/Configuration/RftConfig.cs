using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// Rejection-sampling fine-tuning (<c>rft</c> section; needs an <c>environment</c>): after the SFT warm start, each
/// round samples <c>samples_per_task</c> trajectories of every training task, keeps those whose reward reaches
/// <c>threshold</c>, and fine-tunes on them (loss on the generated tokens only), so SFT → RFT → GRPO is one config
/// (the seed pipeline of the tau2 model). With <c>algorithm: "rft"</c> the run stops after RFT.
/// </summary>
public sealed record RftConfig
{
    /// <summary><c>rounds</c> of sample → filter → fine-tune (default 1).</summary>
    public int Rounds { get; init; } = 1;

    /// <summary><c>samples_per_task</c> trajectories per training task and round (default 4).</summary>
    public int SamplesPerTask { get; init; } = 4;

    /// <summary>
    /// <c>tasks_per_round</c>: training tasks played per round (default 0 = all). Round r plays the next slice of the task
    /// list, wrapping around, so a large task set (many ids to learn copying from in SFT) keeps rounds short.
    /// </summary>
    public int TasksPerRound { get; init; }

    /// <summary><c>threshold</c>: the lowest reward kept (default 1.0: solved).</summary>
    public double Threshold { get; init; } = 1.0;

    /// <summary><c>temperature</c> of the sampling (default 1.0).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>epochs</c> over the kept trajectories per round (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary><c>lr</c> of the fine-tuning (default 1e-5).</summary>
    public double Lr { get; init; } = 1e-5;

    /// <summary><c>batch_size</c>: trajectories per optimizer step (default 16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary><c>micro_batch_size</c>: trajectories per forward pass (default 8).</summary>
    public int MicroBatchSize { get; init; } = 8;

    /// <summary>The fine-tuning as an <c>sft</c> section (constant rate after one warmup step).</summary>
    public SftConfig AsSft() => new()
    {
        Epochs = Epochs,
        Lr = Lr,
        BatchSize = BatchSize,
        MicroBatchSize = MicroBatchSize,
        LrScheduler = new LrSchedulerConfig { WarmupSteps = 1 },
    };

    internal static RftConfig Read(JsonSection s)
    {
        var d = new RftConfig();
        var config = new RftConfig
        {
            Rounds = s.Int("rounds", d.Rounds, 1, "must be at least 1", "set rft.rounds to e.g. 1"),
            SamplesPerTask = s.Int("samples_per_task", d.SamplesPerTask, 1, "must be at least 1", "set rft.samples_per_task to e.g. 4"),
            TasksPerRound = s.Int("tasks_per_round", d.TasksPerRound, 0, "must be 0 (all tasks) or more", "set rft.tasks_per_round to e.g. 128, or 0 for every task"),
            Threshold = s.Double("threshold", d.Threshold, double.IsFinite, "must be a finite number", "set rft.threshold to e.g. 1.0"),
            Temperature = s.Double("temperature", d.Temperature, v => v > 0 && double.IsFinite(v), "must be > 0", "set rft.temperature to e.g. 1.0"),
            Epochs = s.Int("epochs", d.Epochs, 1, "must be at least 1", "set rft.epochs to e.g. 1"),
            Lr = s.Double("lr", d.Lr, v => v > 0 && v < 1, "must be in (0, 1)", "set rft.lr to e.g. 1e-5"),
            BatchSize = s.Int("batch_size", d.BatchSize, 1, "must be at least 1", "set rft.batch_size to e.g. 16"),
            MicroBatchSize = s.Int("micro_batch_size", d.MicroBatchSize, 1, "must be at least 1", "set rft.micro_batch_size to a divisor of rft.batch_size"),
        };
        s.Divides("micro_batch_size", config.MicroBatchSize, "batch_size", config.BatchSize, "choose a micro_batch_size that divides batch_size");
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson() => new()
    {
        ["rounds"] = Rounds,
        ["samples_per_task"] = SamplesPerTask,
        ["tasks_per_round"] = TasksPerRound,
        ["threshold"] = Threshold,
        ["temperature"] = Temperature,
        ["epochs"] = Epochs,
        ["lr"] = Lr,
        ["batch_size"] = BatchSize,
        ["micro_batch_size"] = MicroBatchSize,
    };
}
