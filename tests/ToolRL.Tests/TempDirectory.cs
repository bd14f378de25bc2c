namespace ToolRL.Tests;

/// <summary>A folder name under the system temp folder, unique per instance; the folder (if a test made it) is deleted
/// with everything in it on Dispose.</summary>
internal sealed class TempDirectory(string prefix) : IDisposable
{
    /// <summary>The folder's path (not created: tests that need it create it, tests of "creates the folder" can see it appear).</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"toolrl-{prefix}-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
