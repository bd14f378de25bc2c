namespace ToolRL.Data;

/// <summary>Which system-prompt text the synthetic task uses. Answers keep the rlla layout in every case.</summary>
public enum SyntheticInstructions
{
    /// <summary>
    /// One line per tool (<c>name(param: type, …): description</c>) and a one-line output rule: about a third of
    /// the compact prompt's tokens, so a tiny model on CPU trains several times more steps in the same time.
    /// </summary>
    Minimal,

    /// <summary>The rlla sections (tool list, output format, notes) in a few short lines: fits a tiny model's context.</summary>
    Compact,

    /// <summary>The complete rlla instruction text, word for word.</summary>
    Full,
}

/// <summary>How wide the ranges of the numbers, dates and times in synthetic requests are.</summary>
public enum SyntheticValueRange
{
    /// <summary>The typical ranges: quarter hours from 07:00 to 21:45, dates in 2025, operands up to 99, small counts.</summary>
    Typical,

    /// <summary>
    /// Any minute of the day, dates in 2000 … 2039, operands up to 999, counts and amounts ten to twenty times larger
    /// (the typical values included). A model cannot score by writing a typical value; it has to copy the value
    /// from the request, and learns that sooner.
    /// </summary>
    Wide,
}

/// <summary>
/// The size/difficulty knobs of <see cref="SyntheticToolTask"/>. Start from <see cref="Tiny"/>, <see cref="Default"/>
/// or <see cref="Hard"/> and override with <c>with { … }</c>.
/// </summary>
public sealed record SyntheticTaskOptions
{
    /// <summary>How many catalogue tools are used (the first N, at least 12 of the 16 built-in).</summary>
    public int CatalogueSize { get; init; } = 16;

    /// <summary>
    /// Tools listed in each prompt: the tools the task needs plus distractors. A multi-call prompt lists at least
    /// one more tool than it calls, so every prompt has a distractor.
    /// </summary>
    public int ToolsPerPrompt { get; init; } = 3;

    /// <summary>The largest number of calls in a multi-call task (2 or more).</summary>
    public int MaxCallsPerTask { get; init; } = 2;

    /// <summary>Share of multi-call tasks.</summary>
    public double MultiCallFraction { get; init; } = 0.25;

    /// <summary>Share of response-only tasks (small talk, or a vague request answered with a clarifying question).</summary>
    public double ResponseOnlyFraction { get; init; } = 0.15;

    /// <summary>Share of requests no listed tool can serve (answered with a refusal).</summary>
    public double UnsupportedFraction { get; init; } = 0.05;

    /// <summary>How many phrasings per tool are used (1 to 3).</summary>
    public int PhrasingsPerTool { get; init; } = 3;

    /// <summary>Minimal, compact (default) or full rlla instructions.</summary>
    public SyntheticInstructions Instructions { get; init; } = SyntheticInstructions.Compact;

    /// <summary>
    /// Value ranges of the training rows (<see cref="SyntheticToolTask.Generate(int, int, SyntheticTaskOptions?)"/> and the train part of
    /// <see cref="SyntheticToolTask.GenerateSplit"/>). Test rows always use <see cref="SyntheticValueRange.Typical"/>,
    /// so held-out figures stay comparable whatever the training data were.
    /// </summary>
    public SyntheticValueRange TrainValues { get; init; } = SyntheticValueRange.Typical;

    /// <summary>The <c>data_source</c> written on every row; "rlla" so ToolRL's reward is selected as for the real data.</summary>
    public string DataSource { get; init; } = "rlla";

    /// <summary>For a few-million-parameter model on CPU: two tools per prompt, few multi-call tasks.</summary>
    public static SyntheticTaskOptions Tiny { get; } = new()
    {
        CatalogueSize = 12,
        ToolsPerPrompt = 2,
        MultiCallFraction = 0.15,
        ResponseOnlyFraction = 0.15,
        UnsupportedFraction = 0.0,
    };

    /// <summary>The balanced default.</summary>
    public static SyntheticTaskOptions Default { get; } = new();

    /// <summary>Longer prompts (five tools, full instructions) and up to three calls.</summary>
    public static SyntheticTaskOptions Hard { get; } = new()
    {
        ToolsPerPrompt = 5,
        MaxCallsPerTask = 3,
        MultiCallFraction = 0.35,
        UnsupportedFraction = 0.1,
        Instructions = SyntheticInstructions.Full,
    };

    internal void Validate()
    {
        if (CatalogueSize is < 12 or > 16)
        {
            throw new ArgumentException($"CatalogueSize {CatalogueSize} must be between 12 and 16 (the built-in catalogue)");
        }
        if (ToolsPerPrompt < 2 || MaxCallsPerTask < 2 || Math.Max(ToolsPerPrompt, MaxCallsPerTask + 1) > CatalogueSize)
        {
            throw new ArgumentException($"ToolsPerPrompt {ToolsPerPrompt} and MaxCallsPerTask {MaxCallsPerTask} must be at least 2 and fit in CatalogueSize {CatalogueSize} with a distractor");
        }
        if (PhrasingsPerTool is < 1 or > 3)
        {
            throw new ArgumentException($"PhrasingsPerTool {PhrasingsPerTool} must be 1, 2 or 3");
        }
        var shares = MultiCallFraction + ResponseOnlyFraction + UnsupportedFraction;
        if (MultiCallFraction < 0 || ResponseOnlyFraction < 0 || UnsupportedFraction < 0 || shares > 1)
        {
            throw new ArgumentException($"task shares must be non-negative and sum to at most 1 (got {shares})");
        }
    }
}
