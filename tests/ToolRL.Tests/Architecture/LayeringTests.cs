using System.Text.RegularExpressions;
using ToolRL.Testing;

namespace ToolRL.Tests.Architecture;

/// <summary>
/// Dependency direction between the library's folders (issue #14): pure RL math depends on tensors only, and the
/// data layer knows no reward (a reward's ground-truth rules reach it through DatasetLoadOptions.GroundTruthValidator).
/// Checked on the source: any mention of the forbidden namespace in code (a using, a qualified name) fails;
/// comments are left out, so docs may still point the reader to the other layer.
/// </summary>
public sealed partial class LayeringTests
{
    [Theory]
    [InlineData("Data", "ToolRL.Rewards")]
    [InlineData("Data", "ToolRL.Training")]
    [InlineData("Algorithms", "ToolRL.Configuration")]
    [InlineData("Algorithms", "ToolRL.Training")]
    [InlineData("Algorithms", "ToolRL.Data")]
    public void FolderDoesNotUseNamespace(string folder, string forbidden)
    {
        var files = Directory.GetFiles(TestPaths.InRepo("src", "ToolRL", folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var offending = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Code: CodeOf(line))))
            .Where(l => l.Code.Contains(forbidden + ".", StringComparison.Ordinal) || l.Code.Contains(forbidden + ";", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();
        Assert.True(offending.Count == 0, $"src/ToolRL/{folder} uses {forbidden} at {string.Join(", ", offending)}");
    }

    [Fact]
    public void TheCheckSeesAUsingAndAQualifiedName()
    {
        Assert.Contains("ToolRL.Rewards;", CodeOf("using ToolRL.Rewards;"), StringComparison.Ordinal);
        Assert.Contains("ToolRL.Rewards.", CodeOf("var x = ToolRL.Rewards.ToolRLGroundTruthRules.Validate; // ok"), StringComparison.Ordinal);
        Assert.DoesNotContain("ToolRL.Rewards", CodeOf("/// <c>ToolRL.Rewards.ToolRLGroundTruthRules.Validate</c>"), StringComparison.Ordinal);
    }

    /// <summary>The line without its <c>//</c> comment (string literals holding "//" are rare enough in these folders).</summary>
    private static string CodeOf(string line) => LineComment().Replace(line, "");

    [GeneratedRegex("//.*$")]
    private static partial Regex LineComment();
}
