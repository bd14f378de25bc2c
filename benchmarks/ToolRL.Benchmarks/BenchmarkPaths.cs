namespace ToolRL.Benchmarks;

/// <summary>Where the repository is, and the external data some benchmarks measure on.</summary>
internal static class BenchmarkPaths
{
    /// <summary>The environment variable that names the reference-data folder (as for the reference test suite).</summary>
    public const string ReferenceDataVariable = "TOOLRL_REFERENCE_DATA";

    /// <summary>The repository root: the nearest ancestor of the benchmark binary holding ToolRL.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A path inside the repository.</summary>
    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    /// <summary>
    /// A file of external data (the rlla split, the published reward vectors, ...) inside the folder named by
    /// <c>TOOLRL_REFERENCE_DATA</c>; the error names the variable and the file when it is unset or the file is missing.
    /// </summary>
    public static string ReferenceData(params string[] parts)
    {
        var relative = Path.Combine(parts);
        var root = Environment.GetEnvironmentVariable(ReferenceDataVariable);
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new InvalidOperationException(
                $"this benchmark reads external data: set {ReferenceDataVariable} to the folder that holds {relative} (see data/README.md)");
        }
        var path = Path.GetFullPath(Path.Combine(root, relative));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: {ReferenceDataVariable}={root} must hold {relative} (see data/README.md)", path);
        }
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ToolRL.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ToolRL.sln not found above the benchmark binary");
    }
}
