namespace ToolRL.Configuration.Planning;

/// <summary>What a configuration will do, computed without loading weights or data (<c>toolrl plan</c>).</summary>
public sealed record TrainingPlan
{
    /// <summary>The resolved configuration.</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>Model dimensions (null when the model config could not be read; see <see cref="Notes"/>).</summary>
    public ModelShape? Model { get; init; }

    /// <summary>Where the model dimensions came from.</summary>
    public string ModelSource { get; init; } = "";

    /// <summary>Training rows (before invalid-row filtering); null when unknown.</summary>
    public long? TrainRows { get; init; }

    /// <summary>Training steps per epoch (incomplete batches are dropped, as verl); null when rows are unknown.</summary>
    public long? StepsPerEpoch { get; init; }

    /// <summary>Total training steps (trainer.total_training_steps, or steps per epoch × epochs).</summary>
    public long? TotalSteps { get; init; }

    /// <summary>SFT warm-start (or SFT run) optimizer steps in total; null when there is no SFT phase or rows are unknown.</summary>
    public long? SftSteps { get; init; }

    /// <summary>Prompts per step (batch_size).</summary>
    public long PromptsPerStep { get; init; }

    /// <summary>Responses generated per step (batch_size × n).</summary>
    public long ResponsesPerStep { get; init; }

    /// <summary>Optimizer steps per training step (ppo_epochs × batch_size / ppo_mini_batch_size).</summary>
    public long OptimizerStepsPerStep { get; init; }

    /// <summary>Micro-batches accumulated per optimizer step (null with dynamic batch size).</summary>
    public long? GradientAccumulation { get; init; }

    /// <summary>Upper bound of tokens processed per step: responses × (max_prompt_length + max_response_length).</summary>
    public long MaxTokensPerStep { get; init; }

    /// <summary>Memory per device (null when the model shape is unknown).</summary>
    public MemoryEstimate? Memory { get; init; }

    /// <summary>Devices assumed.</summary>
    public int Devices { get; init; } = 1;

    /// <summary>Assumptions and anything that could not be determined.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
