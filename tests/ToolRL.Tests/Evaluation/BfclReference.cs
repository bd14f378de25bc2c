namespace ToolRL.Tests.Evaluation;

/// <summary>The reference-data folder (TOOLRL_REFERENCE_DATA) for the BFCL tests; they are skipped without it.</summary>
internal static class BfclReference
{
    public const string Variable = "TOOLRL_REFERENCE_DATA";

    public static string? Root { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } root ? System.IO.Path.GetFullPath(root) : null;

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException($"{Variable} is not set"), .. parts]);
}

/// <summary>A fact of the reference suite: skipped with a reason when TOOLRL_REFERENCE_DATA is unset.</summary>
internal sealed class BfclReferenceFactAttribute : FactAttribute
{
    public BfclReferenceFactAttribute()
    {
        if (BfclReference.Root is null)
        {
            Skip = $"reference suite: set {BfclReference.Variable} to the reference-data folder";
        }
    }
}
