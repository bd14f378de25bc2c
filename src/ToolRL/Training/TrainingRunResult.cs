using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Training.Validation;

namespace ToolRL.Training;

/// <summary>What a one-call trainer (<see cref="Train"/>) returns once the run has finished (or stopped early).</summary>
public sealed record TrainingRunResult
{
    /// <summary>The configuration the run used, with the request's inputs applied.</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>The run's folder (metrics.jsonl/csv, checkpoints/, report.html, ...).</summary>
    public required string OutputDir { get; init; }

    /// <summary>
    /// The trained policy in Hugging Face layout with its tokenizer: pass it as the next run's
    /// <see cref="TrainingRequest.Model"/>, or load it with <c>Qwen2ForCausalLM.FromPretrained</c> and
    /// <c>Qwen2Tokenizer.FromDirectory</c>.
    /// </summary>
    public required string ModelDirectory { get; init; }

    /// <summary>The last step (its metrics under verl's names); null when nothing was left to train (a finished run resumed).</summary>
    public TrainingStepResult? LastStep { get; init; }

    /// <summary>The number of steps this call ran (all phases, including the validation row of step 0).</summary>
    public int Steps { get; init; }

    /// <summary>True when <see cref="TrainingHooks.StopWhen"/> ended the run early.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Held-out results before RL (after any SFT), when validated.</summary>
    public ValidationResult? Before { get; init; }

    /// <summary>Held-out results at the end, when validated.</summary>
    public ValidationResult? After { get; init; }

    /// <summary>An environment run's held-out pass^k before RL.</summary>
    public AgentEvaluationResult? AgentBefore { get; init; }

    /// <summary>An environment run's held-out pass^k after RL.</summary>
    public AgentEvaluationResult? AgentAfter { get; init; }

    /// <summary>The HTML report of the RL phase (null for SFT/RFT-only runs).</summary>
    public string? ReportPath { get; init; }
}
