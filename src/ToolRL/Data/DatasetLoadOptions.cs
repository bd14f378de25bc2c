using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>What to do with a row that fails validation.</summary>
public enum InvalidRowPolicy
{
    /// <summary>Leave the row out and record it in the dataset's <see cref="Dataset{TRow}.Problems"/>.</summary>
    Skip,

    /// <summary>Stop loading with a <see cref="DatasetException"/> naming the row and the reason.</summary>
    Fail,
}

/// <summary>How a prompt longer than <see cref="DatasetLoadOptions.MaxPromptLength"/> is handled (verl's <c>data.truncation</c>).</summary>
public enum PromptTruncation
{
    /// <summary>An over-long prompt is an invalid row (verl raises; with Skip it is filtered like verl's <c>filter_overlong_prompts</c>).</summary>
    Error,

    /// <summary>Keep the last tokens (verl's <c>left</c>; ToolRL's choice, which cuts the start of the system prompt).</summary>
    Left,

    /// <summary>Keep the first tokens (verl's <c>right</c>).</summary>
    Right,
}

/// <summary>Options for <see cref="RlDataset.Load"/> and <see cref="SftDataset.Load"/>.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>Skip (default) or fail on an invalid row.</summary>
    public InvalidRowPolicy InvalidRows { get; init; } = InvalidRowPolicy.Skip;

    /// <summary>
    /// Checks a ground truth and returns null when the reward can score against it, else the reason; null (the
    /// default) checks only that it is a string. The reward owns its rules: for the ToolRL reward pass
    /// <c>ToolRL.Rewards.ToolRLGroundTruthRules.Validate</c> (the training pipeline does).
    /// </summary>
    public Func<string, string?>? GroundTruthValidator { get; init; }

    /// <summary>Maximum prompt length in tokens (verl's <c>max_prompt_length</c>); null means no limit.</summary>
    public int? MaxPromptLength { get; init; }

    /// <summary>Counts the tokens of a prompt after the chat template; required when <see cref="MaxPromptLength"/> is set.</summary>
    public Func<IReadOnlyList<ChatMessage>, int>? TokenCounter { get; init; }

    /// <summary>What happens to an over-long prompt; see <see cref="PromptTruncation"/>.</summary>
    public PromptTruncation Truncation { get; init; } = PromptTruncation.Error;

    /// <summary>The default options: skip invalid rows, no ground-truth check, no length limit.</summary>
    public static DatasetLoadOptions Default { get; } = new();
}
