namespace ToolRL.Testing;

/// <summary>Where the repository and the read-only <c>../shared</c> reference material are.</summary>
internal static class TestPaths
{
    /// <summary>The repository root: the nearest ancestor of the test binary holding ToolRL.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared reference folder beside the repository (read-only; never copied in).</summary>
    public static string Shared { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>A path inside <see cref="Shared"/>.</summary>
    public static string InShared(params string[] parts) => Path.Combine([Shared, .. parts]);

    /// <summary>A path inside the repository.</summary>
    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

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
