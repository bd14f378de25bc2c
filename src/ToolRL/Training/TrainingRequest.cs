using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ToolRL.Runs;

namespace ToolRL.Training;

/// <summary>
/// What a one-call trainer (<see cref="Train"/>) is given: the configuration and whatever the script already
/// holds. Everything left out comes from the configuration, as in <c>toolrl train</c>: the prompts, the tokenizer
/// (trained or loaded), the model, the reward functions; the prompt encoding follows from the tokenizer and the
/// configured lengths, the frozen reference model is made only when KL is used, the PPO critic only for PPO.
/// </summary>
/// <example>
/// <code>
/// var result = await Train.GrpoAsync(new()
/// {
///     Config = "configs/grpo-tiny.json",
///     Rewards = ["toolrl", new(new MyReward(), 0.5)],
///     Hooks = new() { OnStep = step => Console.WriteLine($"{step.Phase} {step.Step}: {step["critic/score/mean"]}") },
/// });
/// </code>
/// </example>
public sealed record TrainingRequest
{
    /// <summary>The configuration: a <see cref="Configuration.TrainingConfig"/> or the path of a JSON file (sizes, learning rates, KL, sampling, cadence).</summary>
    public required ConfigSource Config { get; init; }

    /// <summary>The policy: a model in memory or a Hugging Face folder; null = the configuration's <c>model</c> section.</summary>
    public ModelSource? Model { get; init; }

    /// <summary>The tokenizer: in memory or a folder; null = the model folder's, else the configuration's <c>tokenizer</c> section.</summary>
    public TokenizerSource? Tokenizer { get; init; }

    /// <summary>The training prompts: rows or a file; null = the configuration's <c>data</c> section.</summary>
    public DataSource? TrainData { get; init; }

    /// <summary>The held-out prompts: rows or a file; null = the configuration's <c>data.val_files</c> (synthetic held-out rows only with synthetic training rows).</summary>
    public DataSource? ValData { get; init; }

    /// <summary>The reward's weighted terms; null = the configuration's <c>reward.functions</c> (by default the ToolRL reward).</summary>
    public IReadOnlyList<RewardTerm>? Rewards { get; init; }

    /// <summary>
    /// Tools of your own (e.g. made by <c>AIFunctionFactory.Create</c>) offered to the model in the configuration's
    /// <c>environment</c> beside the environment's tools; a call to one runs it and its result (or error) is the
    /// observation. Names must differ from the environment's tools. Null = the environment's tools only.
    /// </summary>
    public IReadOnlyList<AIFunction>? Tools { get; init; }

    /// <summary>The run's folder; null = the configuration's <c>trainer.output_dir</c>, which defaults to <c>runs/EXPERIMENT_NAME</c>.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Resume the run in the folder, replace it, or (default) refuse to start over an existing run.</summary>
    public RunStartOptions Start { get; init; } = new();

    /// <summary>Callbacks on step, validation and checkpoint, and the early stop; null = none.</summary>
    public TrainingHooks? Hooks { get; init; }

    /// <summary>Receives progress notes (category <c>ToolRL.Training</c>, Information level); null = none.</summary>
    public ILogger? Logger { get; init; }
}
