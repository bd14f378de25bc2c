using System.Globalization;
using System.Text;
using ToolRL.Training.Validation;

namespace ToolRL.Training.Metrics.TensorBoard;

/// <summary>Validation samples as a markdown table for TensorBoard's text tab (verl logs a table of samples too).</summary>
internal static class ValidationMarkdown
{
    /// <summary>The text tag.</summary>
    public const string Tag = "val/generations";

    /// <summary>Samples shown per validation (the whole set is in <c>validation/step_N.jsonl</c>).</summary>
    public const int MaxSamples = 8;

    /// <summary>A table of request, response, ground truth and reward for the first <see cref="MaxSamples"/> samples.</summary>
    public static string Table(IReadOnlyList<ValidationGeneration> generations)
    {
        ArgumentNullException.ThrowIfNull(generations);
        var table = new StringBuilder("| # | request | response | ground truth | reward |\n|---|---|---|---|---|\n");
        foreach (var g in generations.Take(MaxSamples))
        {
            table.Append(CultureInfo.InvariantCulture,
                $"| {g.Index} | {Cell(g.Request)} | {Cell(g.Response)} | {Cell(g.GroundTruth)} | {g.Reward.ToString("0.###", CultureInfo.InvariantCulture)} |\n");
        }
        return table.ToString();
    }

    // A table cell holds one line: pipes escaped, line breaks as <br>, tags shown literally.
    private static string Cell(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal).Replace("\r\n", "<br>", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);
}
