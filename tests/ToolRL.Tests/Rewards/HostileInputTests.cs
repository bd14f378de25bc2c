using System.Text;
using ToolRL.Rewards;

namespace ToolRL.Tests.Rewards;

/// <summary>Extreme model outputs still get a score, the reference's score, without throwing or overflowing the stack.</summary>
public class HostileInputTests
{
    private const string Think = "<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>";
    private const string Call = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}";
    private const string GroundTruth = Think + "\n<tool_call>\n" + Call + "\n</tool_call>";

    private static ToolRLScore Score(string response) => ToolRLReward.Score(response, GroundTruth, ToolRLRewardOptions.Default);

    private static string Answer(string block) => Think + "\n<tool_call>\n" + block + "\n</tool_call>";

    [Fact]
    public void EmptyAndWhitespaceOnlyResponsesGetFormatMinAndCorrectnessMin()
    {
        Assert.Equal(new ToolRLScore(0.0, -3.0, 0.0, -3.0), Score(""));
        Assert.Equal(new ToolRLScore(0.0, -3.0, 0.0, -3.0), Score(" \u3000\u2028\x1c\n"));
    }

    [Fact]
    public void JsonNested100000DeepIsAParseFailureNotAStackOverflow()
    {
        var deep = "{\"name\": \"get_weather\", \"parameters\": {\"city\": " + new string('[', 100_000) + new string(']', 100_000) + "}}";
        Assert.Equal(new ToolRLScore(1.0, -3.0, 0.0, -2.0), Score(Answer(deep)));
        var unclosed = new string('{', 100_000);
        Assert.Equal(new ToolRLScore(1.0, -3.0, 0.0, -2.0), Score(Answer(unclosed)));
    }

    [Fact]
    public void NestingAtPythonsRecursionLimitParsesAndOneDeeperFails()
    {
        // 991 levels parse in CPython 3.11 when called from the reward; 992 raise RecursionError (cmin).
        string Nested(int depth) => "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\", \"d\": "
            + new string('[', depth - 2) + new string(']', depth - 2) + "}}";
        Assert.Equal(-3.0 + 6.0 * (1 + 2.0 / 3 + 2) / 4, Score(Answer(Nested(991))).Correctness, 12);
        Assert.Equal(-3.0, Score(Answer(Nested(992))).Correctness);
    }

    [Fact]
    public void OneMegabyteOfRandomTextAndRandomBytesScore()
    {
        var random = new Random(7);
        var bytes = new byte[1 << 20];
        random.NextBytes(bytes);
        var decoded = Encoding.UTF8.GetString(bytes);
        Assert.Equal(new ToolRLScore(0.0, -3.0, 0.0, -3.0), Score(decoded));
        var chars = new char[1 << 20];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)random.Next(0, 0x10000); // includes unpaired surrogates
        }
        var score = Score(new string(chars));
        Assert.Equal(0.0, score.Format);
    }

    [Fact]
    public void UnpairedSurrogatesInsideJsonStringsCompareByCodeUnit()
    {
        var gt = Think + "\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"s\": \"\\ud800\"}}\n</tool_call>";
        var raw = Think + "\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"s\": \"\ud800\"}}\n</tool_call>";
        Assert.Equal(3.0, ToolRLReward.Score(raw, gt, ToolRLRewardOptions.Default).Correctness);
    }

    [Fact]
    public void TwoMillionToolCallLinesScoreWithTheReferenceFormula()
    {
        const int lines = 2_000_000;
        var block = new StringBuilder(Call.Length * 2 + lines * 3);
        block.Append(Call);
        for (var i = 1; i < lines; i++)
        {
            block.Append("\n{\"name\": \"x\", \"parameters\": {}}");
        }
        var score = Score(Answer(block.ToString()));
        // names: Jaccard 1 / 2,000,000; the GT call matches line 1 fully: 1 + 2 values.
        var expected = 6.0 * (1.0 / lines + 3.0) / 4.0 - 3.0;
        Assert.Equal(new ToolRLScore(1.0, expected, 0.0, 1.0 + expected), score);
    }

    [Fact]
    public void MillionsOfNamelessLinesGiveCorrectnessMin()
    {
        var block = string.Join('\n', Enumerable.Repeat("{}", 3_000_000));
        Assert.Equal(-3.0, Score(Answer(block)).Correctness);
    }
}
