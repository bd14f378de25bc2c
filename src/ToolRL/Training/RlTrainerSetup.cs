using Microsoft.Extensions.Logging;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Torch.Distributed;
using ToolRL.Training.Rollout;

namespace ToolRL.Training;

/// <summary>What an RL trainer is built from: the resolved configuration, the models, the data and the reward.</summary>
public sealed record RlTrainerSetup
{
    /// <summary>The resolved configuration (algorithm, sizes, learning rates, KL, sampling, trainer cadence).</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>The policy being trained.</summary>
    public required IPolicyModel Policy { get; init; }

    /// <summary>The frozen reference policy; required when the config uses KL (<see cref="TrainingConfig.NeedsReferenceModel"/>), else ignored.</summary>
    public IPolicyModel? Reference { get; init; }

    /// <summary>The critic (PPO only).</summary>
    public IValueModel? Critic { get; init; }

    /// <summary>Prompt rendering/tokenization and response decoding.</summary>
    public required PromptEncoder Prompts { get; init; }

    /// <summary>Training prompts.</summary>
    public required IReadOnlyList<RlRow> TrainRows { get; init; }

    /// <summary>Held-out prompts for validation (may be empty: no validation).</summary>
    public IReadOnlyList<RlRow> ValRows { get; init; } = [];

    /// <summary>The reward (e.g. <see cref="RewardRegistry"/>'s weighted composition of the config's functions).</summary>
    public required IRewardFunction Reward { get; init; }

    /// <summary>
    /// The rollout stage that turns each step's prompts into scored trajectories; null = <see cref="SingleTurnRollout"/>
    /// over <see cref="Prompts"/> and <see cref="Reward"/> (one sampled assistant turn per trajectory). Plug in a
    /// multi-turn agent loop or your own here; GRPO and PPO run unchanged over it.
    /// </summary>
    public IRolloutStage? Rollout { get; init; }

    /// <summary>
    /// An extra held-out evaluation run every <c>trainer.test_freq</c> steps before the last (an agent run's pass^k,
    /// which the pipeline also measures before and after RL); its metrics join that step's row. Null = none.
    /// </summary>
    public Func<int, CancellationToken, Task<IReadOnlyDictionary<string, double>>>? PeriodicValidation { get; init; }

    /// <summary>Where metrics.jsonl/csv, checkpoints/ and report.html go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Continue from the latest complete checkpoint under <see cref="OutputDir"/> (a fresh start when there is none).</summary>
    public bool Resume { get; init; }

    /// <summary>Values recorded in every step's metrics (the configuration revision and settings changed on resume).</summary>
    public IReadOnlyDictionary<string, double> RecordedSettings { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// Data-parallel ranks (docs/distributed.md), or null for one process. Each rank samples its share of the prompts,
    /// runs its share of every mini-batch's micro-batches, and the gradients are summed over the ranks before each
    /// optimizer step, so every rank holds the same weights and logs the same metrics as one process would. Rank 0
    /// alone writes metrics, checkpoints and the report to <see cref="OutputDir"/>; the other ranks read its
    /// checkpoints there on resume (a shared folder across machines).
    /// </summary>
    public ProcessGroup? Group { get; init; }

    /// <summary>
    /// With <see cref="Group"/>: shard the actor's AdamW state over the ranks (ZeRO stage 1, <see cref="ParameterGroup.DataParallel"/>):
    /// each rank holds 1/N of it; the updates, metrics and checkpoints are the same as unsharded.
    /// </summary>
    public bool ShardOptimizer { get; init; }

    /// <summary>Receives progress notes (checkpoint saved, resumed at step N, ...) at Information level; null = none.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Callbacks on step, validation and checkpoint, and the early stop; null = none.</summary>
    public TrainingHooks? Hooks { get; init; }
}
