namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// One verdict of BFCL's checker: valid, or the first failure's <c>error_type</c> (BFCL's own strings, e.g.
/// <c>type_error:simple</c>) and a readable message. Valid results carry no error type (BFCL's own valid
/// results may hold a meaningless <c>..._checker:unclear</c>, which nobody reads).
/// </summary>
internal readonly record struct BfclCheckResult(bool Valid, string? ErrorType, string? Error, bool IsVariable = false)
{
    public static readonly BfclCheckResult Pass = new(true, null, null);

    public static BfclCheckResult Fail(string errorType, string error) => new(false, errorType, error);
}
