namespace ToolRL.Agents.Rollout;

/// <summary>Limits and sampling of the multi-turn rollout. Immutable; <see cref="Validate"/> names a bad field.</summary>
public sealed record AgentRolloutOptions
{
    /// <summary>Assistant turns per episode (<c>max_assistant_turns</c>).</summary>
    public int MaxTurns { get; init; } = 6;

    /// <summary>Response tokens per trajectory, generated and inserted together (<c>max_total_tokens</c>).</summary>
    public int MaxTotalTokens { get; init; } = 512;

    /// <summary>Sampling temperature; 0 = greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus threshold (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>k most likely tokens (≤ 0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Also end a turn at <c>&lt;/tool_call&gt;</c> (one call per turn; the environment then inserts the
    /// <c>&lt;|im_end|&gt;</c>, mask 0). Off by default: a turn ends at <c>&lt;|im_end|&gt;</c> and may hold several calls.
    /// </summary>
    public bool StopAtToolCallEnd { get; init; }

    /// <summary>
    /// When false (default), a turn's observations enter the batch at the very next decoding step (its tools are
    /// awaited then), so the batch composition, and with the seed every sampled token, is reproducible. When true,
    /// rows whose tools are still running sit out and join when their results arrive: a slow tool delays only its own
    /// row, at the price of run-to-run reproducibility.
    /// </summary>
    public bool AsynchronousTools { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, the value and the fix.</summary>
    public void Validate()
    {
        if (MaxTurns < 1)
        {
            throw new ArgumentException($"max_assistant_turns is {MaxTurns}; fix: give at least 1");
        }
        if (MaxTotalTokens < 2)
        {
            throw new ArgumentException($"max_total_tokens is {MaxTotalTokens}; fix: give at least 2 (e.g. 512)");
        }
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentException($"temperature is {Temperature}; fix: give a finite value ≥ 0 (0 = greedy)");
        }
        if (!(TopP is > 0 and <= 1))
        {
            throw new ArgumentException($"top_p is {TopP}; fix: give a value in (0, 1]");
        }
    }
}
