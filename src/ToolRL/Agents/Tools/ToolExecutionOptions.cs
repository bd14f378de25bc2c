namespace ToolRL.Agents.Tools;

/// <summary>Limits of tool execution (docs/agents.md). Immutable; <see cref="Validate"/> names a bad field.</summary>
public sealed record ToolExecutionOptions
{
    /// <summary>Seconds one call may run before it becomes a timeout observation.</summary>
    public double TimeoutSeconds { get; init; } = 10;

    /// <summary>Calls executed per assistant turn; the calls beyond get an error observation each.</summary>
    public int MaxCallsPerTurn { get; init; } = 8;

    /// <summary>Observations longer than this keep their start and end around a truncation marker.</summary>
    public int MaxObservationChars { get; init; } = 4000;

    /// <summary>When true (default), a tool's text result must be JSON; other text becomes an error observation.</summary>
    public bool RequireJsonResults { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, the value and the fix.</summary>
    public void Validate()
    {
        if (!(TimeoutSeconds > 0) || double.IsInfinity(TimeoutSeconds))
        {
            throw new ArgumentException($"tool_timeout_seconds is {TimeoutSeconds}; fix: give a finite number of seconds > 0 (e.g. 10)");
        }
        if (MaxCallsPerTurn < 1)
        {
            throw new ArgumentException($"max_tool_calls_per_turn is {MaxCallsPerTurn}; fix: give at least 1");
        }
        if (MaxObservationChars < 64)
        {
            throw new ArgumentException($"max_observation_chars is {MaxObservationChars}; fix: give at least 64");
        }
    }
}
