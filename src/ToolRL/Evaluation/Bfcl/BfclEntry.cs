namespace ToolRL.Evaluation.Bfcl;

/// <summary>One message of a BFCL question turn.</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text.</param>
/// <param name="Name">The tool's name for a tool message.</param>
public sealed record BfclMessage(string Role, string Content, string? Name = null);

/// <summary>
/// One BFCL question with its function docs and, for the AST categories, its possible answer.
/// </summary>
public sealed class BfclEntry
{
    internal BfclEntry(string id, string category, IReadOnlyList<BfclMessage> messages, IReadOnlyList<BfclFunctionDoc> functions,
        IReadOnlyList<BfclExpectedCall>? groundTruth)
    {
        Id = id;
        Category = category;
        Messages = messages;
        Functions = functions;
        GroundTruth = groundTruth;
    }

    /// <summary>The entry id (<c>simple_0</c>, <c>live_multiple_3-1-0</c>).</summary>
    public string Id { get; }

    /// <summary>The category it was read from.</summary>
    public string Category { get; }

    /// <summary>The messages of the question's (single) turn.</summary>
    public IReadOnlyList<BfclMessage> Messages { get; }

    /// <summary>The names of the functions offered, in order.</summary>
    public IReadOnlyList<string> FunctionNames => [.. Functions.Select(f => f.Name)];

    internal IReadOnlyList<BfclFunctionDoc> Functions { get; }

    /// <summary>The possible answer's calls; null for the relevance and irrelevance categories.</summary>
    internal IReadOnlyList<BfclExpectedCall>? GroundTruth { get; }
}
