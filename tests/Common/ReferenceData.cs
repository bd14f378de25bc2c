namespace ToolRL.Testing;

/// <summary>
/// The reference suite's switch. Tests that compare against external data the repository does not carry
/// (published reward vectors, the rlla and BFCL files, the real Qwen2.5 configs, ...) read it from the folder
/// named by <c>TOOLRL_REFERENCE_DATA</c>; without it they are reported as skipped, never as failed.
/// </summary>
internal static class ReferenceData
{
    /// <summary>The environment variable that names the reference-data folder.</summary>
    public const string Variable = "TOOLRL_REFERENCE_DATA";

    /// <summary>The folder, or null when the variable is unset or empty.</summary>
    public static string? Root { get; } = ReadRoot();

    /// <summary>The one-line reason a reference test is skipped.</summary>
    public const string SkipReason =
        "reference suite: needs external data; set " + Variable + " to the reference-data folder (see data/README.md)";

    private static string? ReadRoot()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrWhiteSpace(value) ? null : Path.GetFullPath(value);
    }
}

/// <summary>A <see cref="FactAttribute"/> of the reference suite: skipped with a reason when <c>TOOLRL_REFERENCE_DATA</c> is unset.</summary>
internal sealed class ReferenceFactAttribute : FactAttribute
{
    public ReferenceFactAttribute()
    {
        if (ReferenceData.Root is null)
        {
            Skip = ReferenceData.SkipReason;
        }
    }
}

/// <summary>A <see cref="TheoryAttribute"/> of the reference suite: one skipped entry with a reason when <c>TOOLRL_REFERENCE_DATA</c> is unset (its data is not enumerated).</summary>
internal sealed class ReferenceTheoryAttribute : TheoryAttribute
{
    public ReferenceTheoryAttribute()
    {
        if (ReferenceData.Root is null)
        {
            Skip = ReferenceData.SkipReason;
        }
    }
}
