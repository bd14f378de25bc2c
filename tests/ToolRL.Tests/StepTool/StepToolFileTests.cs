using System.Text.Json.Nodes;
using ToolRL.StepTool;
using ToolRL.Testing;

namespace ToolRL.Tests.StepTool;

/// <summary>
/// The StepTool file reader and writer against a file Python's csv module wrote (tools/steptool/make_fixtures.py:
/// tab delimiter, QUOTE_MINIMAL, str(list) cells, as pandas writes the authors' files).
/// </summary>
public sealed class StepToolFileTests
{
    private static string FixturePath => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "steptool", "tiny_step_grained.tsv");

    private static JsonArray ExpectedRows =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "steptool", "steptool_fixtures.json")))!["tsv_rows"]!.AsArray();

    [Fact]
    public void ReadsThePythonWrittenFileExactly()
    {
        var samples = StepToolFile.Read(FixturePath);
        var expected = ExpectedRows;
        Assert.Equal(expected.Count, samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.Equal(i, samples[i].Index);
            Assert.Equal(expected[i]!["prompt"]!.AsArray().Select(n => n!.GetValue<string>()), samples[i].Prompts);
            Assert.Equal(expected[i]!["response"]!.AsArray().Select(n => n!.GetValue<string>()), samples[i].Responses);
            Assert.Equal(expected[i]!["reward"]!.AsArray().Select(n => n!.GetValue<double>()), samples[i].Rewards);
        }
        // Quotes, an escaped tab, a doubled backslash and non-ASCII text survive.
        Assert.Contains("It's \"quoted\"\tand tabbed", samples[0].Prompts[0], StringComparison.Ordinal);
        Assert.Contains("ok\\\\path", samples[0].Prompts[1], StringComparison.Ordinal);
        Assert.Contains("café — done", samples[0].Responses[1], StringComparison.Ordinal);
    }

    [Fact]
    public void WritesTheFileByteForByteAsPython()
    {
        using var temp = new TempDirectory("steptool");
        Directory.CreateDirectory(temp.Path);
        var path = Path.Combine(temp.Path, "out.csv");
        StepToolFile.Write(path, StepToolFile.Read(FixturePath));
        Assert.Equal(File.ReadAllText(FixturePath), File.ReadAllText(path));
    }

    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(0.9666666666666668, "0.9666666666666668")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123.5, "123.5")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(-2.5e-07, "-2.5e-07")]
    public void FormatsFloatsAsPythonRepr(double value, string python) =>
        Assert.Equal($"[{python}]", PythonListLiteral.FormatNumbers([value]));

    [Theory]
    [InlineData("prompt\tresponse\treward\n['a']\t['b']\t[1.0, oops]\n", "row 0 (line 2), column reward")]
    [InlineData("prompt\tresponse\treward\n['a']\t['b']\t[1.0]\n['a', 'b']\t['c']\t[1.0]\n", "row 1 (line 3): the lists differ in length")]
    [InlineData("prompt\tresponse\treward\n['a']\t['b']\t[1.0]\n['a']\t['unterminated]\t[1.0]\n", "row 1 (line 3), column response")]
    [InlineData("prompt\tresponse\treward\n\"['a']\t['b']\t[1.0]\n", "column prompt: the quoted field is never closed")]
    [InlineData("prompt\tresponse\n['a']\t['b']\n", "must name the columns prompt, response and reward")]
    [InlineData("prompt\tresponse\treward\n['a']\t['b']\n", "row 0 (line 2): 2 tab-separated fields")]
    [InlineData("prompt\tresponse\treward\n[]\t[]\t[]\n", "row 0 (line 2), column response: the list is empty")]
    public void RefusesMalformedInputNamingRowAndColumn(string text, string expected)
    {
        var e = Assert.Throws<StepToolFormatException>(() => StepToolFile.Parse(text, "bad.csv"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.csv: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAFileWithInvalidUtf8()
    {
        using var temp = new TempDirectory("steptool");
        Directory.CreateDirectory(temp.Path);
        var path = Path.Combine(temp.Path, "bad.csv");
        File.WriteAllBytes(path, [.. "prompt\tresponse\treward\n['"u8, 0xff, .. "']\t['b']\t[1.0]\n"u8]);
        var e = Assert.Throws<StepToolFormatException>(() => StepToolFile.Read(path));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(@"['a\x41\u00e9\U0001F600', ""it's""]", new[] { "aAé😀", "it's" })]
    [InlineData("[ 'x' , ]", new[] { "x" })]
    [InlineData("[]", new string[0])]
    public void ParsesPythonStringEscapes(string literal, string[] expected) =>
        Assert.Equal(expected, PythonListLiteral.ParseStrings(literal));
}
