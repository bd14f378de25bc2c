namespace ToolRL.StepTool;

/// <summary>
/// One row of a StepTool step-grained file: a whole multi-step trajectory with one score per step
/// (StepTool, arXiv 2410.07745; <c>data_train/*/step_grained_for_ppo_example.csv</c>).
/// </summary>
/// <param name="Prompts">
/// <c>prompt</c>: per step, the context inserted before it. <c>Prompts[0]</c> is the system message, the user query
/// and the assistant header; <c>Prompts[i]</c> (i ≥ 1) is the observation of step i − 1 and the next assistant header.
/// </param>
/// <param name="Responses"><c>response</c>: per step, what the policy wrote (its end-of-turn marker included).</param>
/// <param name="Rewards"><c>reward</c>: per step, its score; the last is the final answer's score.</param>
/// <param name="Index">The 0-based data row in its file (the header is not counted).</param>
public sealed record StepToolSample(IReadOnlyList<string> Prompts, IReadOnlyList<string> Responses, IReadOnlyList<double> Rewards, int Index)
{
    /// <summary>The number of steps T.</summary>
    public int Steps => Responses.Count;
}

/// <summary>A StepTool file that cannot be read; the message names the file, the row, the column and the fix.</summary>
public sealed class StepToolFormatException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public StepToolFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the lower-level cause.</summary>
    public StepToolFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
