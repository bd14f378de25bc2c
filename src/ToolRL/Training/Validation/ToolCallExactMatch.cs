using System.Text.Json.Nodes;
using ToolRL.Rewards;
using ToolRL.Tokenization;

namespace ToolRL.Training.Validation;

/// <summary>
/// Exact match of tool calls, the validation accuracy: the response's calls equal the ground truth's calls
/// (same count, and in order the same name and the same arguments object, key order ignored). Calls are read
/// with the lenient <see cref="ToolCallParser"/>, so formatting slips that the format reward punishes do not
/// hide a correct call here.
/// </summary>
internal static class ToolCallExactMatch
{
    /// <summary>True when the calls of <paramref name="response"/> equal those of <paramref name="groundTruth"/>.</summary>
    public static bool Matches(string response, string groundTruth) =>
        Same(ToolCallParser.Parse(response), ToolCallParser.Parse(groundTruth));

    /// <summary>True when the ground truth asks for at least one call (the rows exact match is averaged over).</summary>
    public static bool HasCalls(string groundTruth) => ToolCallParser.Parse(groundTruth).Count > 0;

    private static bool Same(IReadOnlyList<ChatToolCall> a, IReadOnlyList<ChatToolCall> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && JsonNode.DeepEquals(p.First.Arguments, p.Second.Arguments));
}
