using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// A ground truth parsed once for scoring many responses (a GRPO group shares one). The reference parses
/// the GT's first tool-call block OUTSIDE its try/except (rlla.py l.235-237), so a GT whose block is not one
/// JSON value per line crashes the reward; <see cref="Validate"/> finds those at dataset load instead.
/// </summary>
public sealed class ToolRLGroundTruth
{

    private ToolRLGroundTruth(string text)
    {
        Text = text;
        HasToolCall = text.Contains(ToolCallBlock.Open, StringComparison.Ordinal);
        HasResponse = text.Contains("<response>", StringComparison.Ordinal);
        if (HasToolCall)
        {
            var lineTexts = new List<string>();
            var calls = ToolCallBlock.Parse(text, lineTexts, out var line, out var lineText, out var error);
            if (calls is not null)
            {
                Matching = new GroundTruthCalls(calls, lineTexts);
            }
            else
            {
                Error = $"the ground truth's first <tool_call> block does not hold one JSON object per line: line {line + 1} " +
                    $"'{Shorten(lineText!)}' fails json.loads ({error}). The reference reward would crash on this row. " +
                    "Typical cause: the thought mentions <tool_call>, which then starts the block; use a placeholder thought " +
                    "or write one JSON call per line.";
            }
        }
    }

    /// <summary>The ground-truth text.</summary>
    public string Text { get; }

    /// <summary>The GT contains <c>&lt;tool_call&gt;</c>: correctness is scored, and the format needs a tool-call block.</summary>
    public bool HasToolCall { get; }

    /// <summary>The GT contains <c>&lt;response&gt;</c>: the format needs a response block.</summary>
    public bool HasResponse { get; }

    /// <summary>Why the reference would crash on this GT; null when it is fine.</summary>
    public string? Error { get; }

    /// <summary>The GT's calls; null when the GT has no tool call or is invalid.</summary>
    internal GroundTruthCalls? Calls => Matching;

    /// <summary>What the matching reads from the GT's calls; null when the GT has no tool call or is invalid.</summary>
    internal GroundTruthCalls? Matching { get; }

    /// <summary>Parses a ground truth. Never throws; an invalid GT has <see cref="Error"/> set and throws only when scored.</summary>
    public static ToolRLGroundTruth Parse(string groundTruth)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        return new ToolRLGroundTruth(groundTruth);
    }

    /// <summary>
    /// Null when the reference can score responses against <paramref name="groundTruth"/>; otherwise why it
    /// would crash (the failing line, Python's json error and the fix). Call it at dataset load and report
    /// the row.
    /// </summary>
    /// <example>
    /// <code>
    /// if (ToolRLGroundTruth.Validate(row.GroundTruth) is string error)
    ///     throw new InvalidDataException($"{path} row {index}: {error}");
    /// </code>
    /// </example>
    public static string? Validate(string groundTruth) => Parse(groundTruth).Error;

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
