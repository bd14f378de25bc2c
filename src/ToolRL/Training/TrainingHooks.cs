using ToolRL.Training.Validation;

namespace ToolRL.Training;

/// <summary>
/// Callbacks of a training run, what TRL's <c>TrainerCallback</c> offers (<c>on_step_end</c>, <c>on_evaluate</c>,
/// <c>on_save</c>, <c>control.should_training_stop</c>), beside the <c>await foreach</c> over the steps and the
/// cancellation token. Each is optional and runs synchronously on the training loop, so keep them short.
/// A hook that throws ends the run with that exception (the latest complete checkpoint stays resumable).
/// </summary>
/// <example>
/// <code>
/// var hooks = new TrainingHooks
/// {
///     OnStep = step => Console.WriteLine($"{step.Phase} {step.Step}/{step.TotalSteps}"),
///     OnCheckpoint = saved => Console.WriteLine($"saved {saved.Path}"),
///     StopWhen = step => step["critic/score/mean"] > 3.5,
/// };
/// </code>
/// </example>
public sealed record TrainingHooks
{
    /// <summary>After every step of every phase (SFT, RFT, GRPO/PPO), with the same value the <c>await foreach</c> yields.</summary>
    public Action<TrainingStepResult>? OnStep { get; init; }

    /// <summary>After every held-out validation (before RL, every <c>test_freq</c> steps, at the end, after an SFT-only run).</summary>
    public Action<ValidationEvent>? OnValidation { get; init; }

    /// <summary>After a checkpoint is published (complete on disk, resumable).</summary>
    public Action<CheckpointEvent>? OnCheckpoint { get; init; }

    /// <summary>
    /// Asked after every step: true stops the run there. An RL phase saves a checkpoint of that step (unless one was
    /// just saved) and writes its report, so <c>--resume</c> / <c>Start = new() { Resume = true }</c> continues from it;
    /// an SFT phase publishes its model as trained so far. Later phases do not run.
    /// </summary>
    public Func<TrainingStepResult, bool>? StopWhen { get; init; }
}

/// <summary>A held-out validation, as passed to <see cref="TrainingHooks.OnValidation"/>.</summary>
/// <param name="Phase">"grpo", "ppo", "sft" or "rft".</param>
/// <param name="Step">The step it ran at (0 = before the first RL step).</param>
/// <param name="Result">The scores, components and generations.</param>
public sealed record ValidationEvent(string Phase, long Step, ValidationResult Result);

/// <summary>A published checkpoint, as passed to <see cref="TrainingHooks.OnCheckpoint"/>.</summary>
/// <param name="Phase">"grpo" or "ppo".</param>
/// <param name="Step">The step it holds.</param>
/// <param name="Path">Its folder; the policy, in Hugging Face layout with the tokenizer, is in its <c>actor</c> sub-folder.</param>
public sealed record CheckpointEvent(string Phase, long Step, string Path);
