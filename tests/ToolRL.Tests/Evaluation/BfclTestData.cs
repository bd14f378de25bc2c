namespace ToolRL.Tests.Evaluation;

/// <summary>Writes small BFCL-format folders for tests.</summary>
internal static class BfclTestData
{
    /// <summary>A temp folder holding <paramref name="files"/> (relative path → content).</summary>
    public static TempDirectory Write(Dictionary<string, string> files)
    {
        var dir = new TempDirectory("bfcl");
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(dir.Path, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content.ReplaceLineEndings("\n").TrimEnd('\n') + "\n");
        }
        return dir;
    }
}
