namespace ToolRL.Testing;

/// <summary>Where the repository and the optional external reference data are.</summary>
internal static class TestPaths
{
    /// <summary>The repository root: the nearest ancestor of the test binary holding ToolRL.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A path inside the repository.</summary>
    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    /// <summary>
    /// A path inside the external reference-data folder named by <c>TOOLRL_REFERENCE_DATA</c>. Only tests marked
    /// <see cref="ReferenceFactAttribute"/> or <see cref="ReferenceTheoryAttribute"/> may call it: they are skipped
    /// when the variable is unset, so this throws only when a core test reaches for external data by mistake.
    /// </summary>
    public static string Reference(params string[] parts) =>
        Path.Combine([ReferenceData.Root ?? throw new InvalidOperationException(ReferenceData.SkipReason), .. parts]);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ToolRL.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"ToolRL.sln not found above {AppContext.BaseDirectory}");
    }
}
