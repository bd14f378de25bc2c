using ToolRL.Testing;

namespace ToolRL.Tests.Architecture;

/// <summary>
/// One atomic write (issue #14): files are published through ToolRL.Torch.IO.AtomicFile (unique temp name, fsync,
/// rename, clean-up), never a writer's own "temp + File.Move". The banned-API analyzer already refuses
/// File.WriteAll*; this catches the hand-rolled rename. Moving a whole existing folder or run entry aside
/// (Directory.Move, RunFolder's move of an earlier run's entries) is not a write and stays allowed.
/// </summary>
public sealed class AtomicWriteTests
{
    private static readonly string[] Allowed =
    [
        Path.Combine("ToolRL.Torch", "IO", "AtomicFile.cs"),
        Path.Combine("ToolRL", "Runs", "RunFolder.cs"),
    ];

    [Fact]
    public void OnlyTheAtomicWriterRenamesFiles()
    {
        var src = TestPaths.InRepo("src");
        var offending = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !Allowed.Contains(Path.GetRelativePath(src, f)))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(src, f), Line: i + 1, Text: line)))
            .Where(l => l.Text.Contains("File.Move(", StringComparison.Ordinal) || l.Text.Contains("File.Replace(", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();
        Assert.True(offending.Count == 0, $"write through AtomicFile instead of renaming a temp file yourself: {string.Join(", ", offending)}");
    }
}
