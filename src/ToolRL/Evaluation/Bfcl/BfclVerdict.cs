namespace ToolRL.Evaluation.Bfcl;

/// <summary>BFCL's verdict on one response.</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Category">The entry's category.</param>
/// <param name="Sample">Which of the entry's sampled responses (0 when there is one).</param>
/// <param name="Valid">True when the checker accepts the response.</param>
/// <param name="ErrorType">BFCL's error type of the first failure (<c>type_error:simple</c>, …); null when valid.</param>
/// <param name="Error">A readable message for the failure; null when valid.</param>
/// <param name="Decoded">The handler's decoded calls as JSON (<c>[{"f": {"x": 1}}]</c>), the checker's input.</param>
public sealed record BfclVerdict(string Id, string Category, int Sample, bool Valid, string? ErrorType, string? Error, string Decoded);

/// <summary>Checks model responses to BFCL entries the way BFCL scores the ToolRL handler's output.</summary>
public static class BfclEvaluation
{
    /// <summary>Decodes <paramref name="response"/> with <see cref="ToolRLBfclHandler"/> and checks it.</summary>
    /// <param name="entry">The question (and possible answer).</param>
    /// <param name="response">The model's text.</param>
    /// <param name="sample">The response's index among the entry's samples.</param>
    public static BfclVerdict Check(BfclEntry entry, string response, int sample = 0)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var decoded = ToolRLBfclHandler.Decode(response);
        var result = BfclAstChecker.Check(entry.Category, entry.Functions, entry.GroundTruth, decoded);
        return new BfclVerdict(entry.Id, entry.Category, sample, result.Valid, result.ErrorType, result.Error, PyValueJson.Dumps(decoded));
    }
}
