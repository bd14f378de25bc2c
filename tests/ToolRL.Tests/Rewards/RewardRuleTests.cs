using ToolRL.Rewards;
using ToolRL.Rewards.Python;

namespace ToolRL.Tests.Rewards;

/// <summary>One test per rule of the reference reward (docs/rewards.md), with examples and their expected values.</summary>
public class RewardRuleTests
{
    private const string Think = "<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>";
    private const string Weather = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}";
    private const string ToolGt = Think + "\n<tool_call>\n" + Weather + "\n</tool_call>";
    private const string ResponseGt = "<think> I should directly respond to the user's need. </think>\n<response> Which city? </response>";

    private static ToolRLScore Score(string response, string gt = ToolGt, ToolRLRewardOptions? options = null, int step = 0) =>
        ToolRLReward.Score(response, gt, options ?? ToolRLRewardOptions.Default, step);

    private static string Calls(params string[] lines) => "<think> t </think>\n<tool_call>\n" + string.Join("\n", lines) + "\n</tool_call>";

    [Theory]
    [InlineData("<think> t </think>\n<tool_call>\n" + Weather + "\n</tool_call>", 1.0)]
    [InlineData("<think>a</think>\n<think>b</think>\n<tool_call>\n" + Weather + "\n</tool_call>", 1.0)] // think tags are not counted
    [InlineData("<think> t </think> \n<tool_call>\n" + Weather + "\n</tool_call>", 0.0)]              // space before the newline
    [InlineData("<think> t </think>\n\n<tool_call>\n" + Weather + "\n</tool_call>", 0.0)]             // two newlines
    [InlineData("<think> t </think>\r\n<tool_call>\r\n" + Weather + "\r\n</tool_call>", 0.0)]         // CRLF
    [InlineData("<think> t </think>\n<tool_call>" + Weather + "</tool_call>", 0.0)]                   // no inner newlines
    [InlineData("<think> t </think>\n<tool_call>\n" + Weather + "\n</tool_call> done", 0.0)]          // text after the block
    [InlineData("<think> I'd use <tool_call> </think>\n<tool_call>\n" + Weather + "\n</tool_call>", 0.0)] // tag in the thought
    [InlineData("<THINK> t </THINK>\n<TOOL_CALL>\n" + Weather + "\n</TOOL_CALL>", 0.0)]               // case-sensitive
    [InlineData("<think> t </think>\n<tool_call>\n\n</tool_call>", 1.0)]                                // empty-line block passes format
    [InlineData("<think> t </think>\n<tool_call>\n</tool_call>", 0.0)]                                  // but a bare newline does not
    [InlineData("<think> t </think>\n<response> Paris </response>", 0.0)]                              // tool GT answered with a response
    public void FormatFollowsTheAnchoredPatternAndTagCounts(string response, double expectedFormat) =>
        Assert.Equal(expectedFormat, Score(response).Format);

    [Fact]
    public void FormatPatternDependsOnTheGroundTruthTags()
    {
        Assert.Equal(1.0, Score("<think> t </think>\n<response> ok </response>", ResponseGt).Format);
        Assert.Equal(0.0, Score("<think> t </think>\n<response> a </response>\n<response> b </response>", ResponseGt).Format);
        Assert.Equal(1.0, Score("<think> only </think>", "<think> x </think>").Format);
        var both = ToolGt + "\n<response> done </response>";
        Assert.Equal(1.0, Score(Calls(Weather) + "\n<response> ok </response>", both).Format);
        Assert.Equal(0.0, Score(Calls(Weather), both).Format);
    }

    [Fact]
    public void ResponseGroundTruthsScoreCorrectnessZeroWhateverTheAnswer()
    {
        Assert.Equal(new ToolRLScore(1.0, 0.0, 0.0, 1.0), Score("<think> t </think>\n<response> other </response>", ResponseGt));
        Assert.Equal(new ToolRLScore(0.0, 0.0, 0.0, 0.0), Score(Calls(Weather), ResponseGt));
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"unit\": \"C\", \"city\": \"Paris\"}}", 3.0)]  // key order ignored
    [InlineData("{\"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}, \"name\": \"get_weather\"}", 3.0)]
    [InlineData("  {\"name\":\"get_weather\",\"parameters\":{\"city\":\"Paris\",\"unit\":\"C\"}}\r", 3.0)]   // JSON whitespace and \r
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}, \"id\": 1}", 3.0)] // extra key: partial = full
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"F\", \"unit\": \"C\"}}", 3.0)] // last duplicate wins
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"},}", -3.0)] // trailing comma
    [InlineData("[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}]", -3.0)] // array line
    [InlineData("\ufeff{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}", -3.0)] // BOM refused
    [InlineData("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"C\"}}", -3.0)]  // KeyError on parameters
    [InlineData("\"get_weather\"", -3.0)]                                                                     // TypeError on a string line
    [InlineData("{\"name\": \"lookup\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}", -3.0)]      // wrong name
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", 0.75)]                 // missing param: 6(1+1/2+1)/4-3
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"K\"}}", 1.5)] // wrong value: loses 1
    public void CorrectnessFollowsPythonJsonAndEquality(string line, double expected) =>
        Assert.Equal(expected, Score(Calls(line)).Correctness, 12);

    [Fact]
    public void PythonEqualityAcrossNumericTypes()
    {
        string Gt(string value) => Think + "\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": " + value + "}}\n</tool_call>";
        string Answer(string value) => Calls("{\"name\": \"f\", \"parameters\": {\"x\": " + value + "}}");
        Assert.Equal(3.0, Score(Answer("1"), Gt("true")).Correctness);          // True == 1
        Assert.Equal(3.0, Score(Answer("0.0"), Gt("false")).Correctness);       // False == 0.0
        Assert.Equal(3.0, Score(Answer("1e2"), Gt("100")).Correctness);         // float == int
        Assert.Equal(1.0, Score(Answer("\"5\""), Gt("5")).Correctness);          // "5" != 5: 6(1+1+0)/3-3
        Assert.Equal(1.0, Score(Answer("9007199254740993"), Gt("9007199254740992.0")).Correctness); // exact int/float
        Assert.Equal(3.0, Score(Answer("100000000000000000000"), Gt("1e20")).Correctness);
        Assert.Equal(3.0, Score(Answer("[NaN]"), Gt("[NaN]")).Correctness);     // same NaN object inside a list
        Assert.Equal(3.0, Score(Answer("NaN"), Gt("NaN")).Correctness);         // exact match compares dicts: identity first
    }

    [Fact]
    public void TopLevelNaNValueIsNotEqualInThePartialScore()
    {
        var gt = Think + "\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": NaN, \"y\": 2}}\n</tool_call>";
        // Not an exact match (y differs), so values are compared with ==: nan != nan, 2 != 3.
        Assert.Equal(6.0 * (1 + 1 + 0) / 4 - 3, Score(Calls("{\"name\": \"f\", \"parameters\": {\"x\": NaN, \"y\": 3}}"), gt).Correctness, 12);
    }

    [Fact]
    public void GreedyMatchingIsFirstWinsNotOptimal()
    {
        // Two same-name GT calls; the first GT call takes the first candidate with the best score, which the
        // second GT call needed more (rlla.py compute_tool_call_reward matches greedily; quirk_greedy_tie_break_suboptimal).
        var gt = Think + "\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"a\": 1, \"b\": 2}}\n{\"name\": \"f\", \"parameters\": {\"a\": 1, \"b\": 3}}\n</tool_call>";
        var answer = Calls("{\"name\": \"f\", \"parameters\": {\"a\": 1, \"b\": 3}}", "{\"name\": \"f\", \"parameters\": {\"a\": 1}}");
        // names 1; g1 takes p1 (J 1 + 1 value = 2) over p2 (J 1/2 + 1); g2 gets p2 (1/2 + 1); S_max = 7.
        Assert.Equal(6.0 * (1 + 2 + 1.5) / 7 - 3, Score(answer, gt).Correctness, 12);
    }

    [Fact]
    public void SwitchesChangeMatchingAsSpecified()
    {
        var two = Think + "\n<tool_call>\n" + Weather + "\n{\"name\": \"get_time\", \"parameters\": {\"tz\": \"CET\"}}\n</tool_call>";
        var swapped = Calls("{\"name\": \"get_time\", \"parameters\": {\"tz\": \"CET\"}}", Weather);
        Assert.Equal(3.0, Score(swapped, two).Correctness);
        var refined = ToolRLRewardOptions.Default with { RefinedReward = true };
        Assert.Equal(6.0 * 5 / 6 - 3, Score(swapped, two, refined).Correctness, 12); // name term 0: 6(S_max-1)/S_max-3
        var coarse = ToolRLRewardOptions.Default with { CoarseReward = true };
        Assert.Equal(-3.0, Score(swapped, two, coarse).Correctness);
        var intermediate = ToolRLRewardOptions.Default with { IntermediateReward = true };
        var arguments = Calls("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"C\"}}");
        Assert.Equal(-3.0, Score(arguments).Correctness);
        Assert.Equal(6.0 * 1 / 2 - 3, Score(arguments, options: intermediate).Correctness, 12); // names 1, call 0, S_max 2
        Assert.Equal(Score(Calls(Weather)), Score(Calls(Weather), options: ToolRLRewardOptions.Default with { StrictMatch = true }));
    }

    [Theory]
    [InlineData(0, -2.0, 2.0, -2.0, 2.0)]
    [InlineData(50, -4.0 / 3, 5.0 / 3, -7.0 / 3, 7.0 / 3)]
    [InlineData(75, -1.0, 1.5, -2.5, 2.5)]
    [InlineData(105, -1.0, 1.3, -2.7, 2.7)]
    [InlineData(150, -1.0, 1.0, -3.0, 3.0)]
    [InlineData(300, -1.0, 1.0, -3.0, 3.0)]
    public void ScheduleRewardBoundsFollowTheSpecTable(int step, double fmin, double fmax, double cmin, double cmax)
    {
        var options = ToolRLRewardOptions.Default with { ScheduleReward = true };
        Assert.Equal(fmin, RewardBounds.ForFormat(options, step).Min, 12);
        Assert.Equal(fmax, RewardBounds.ForFormat(options, step).Max, 12);
        Assert.Equal(cmin, RewardBounds.ForCorrectness(options, step).Min, 12);
        Assert.Equal(cmax, RewardBounds.ForCorrectness(options, step).Max, 12);
    }

    [Fact]
    public void CorrectMax1WithScheduleKeepsShrinkingPast150AndMax1Step30Max3Splits()
    {
        var options = ToolRLRewardOptions.Default with { ScheduleReward = true, CorrectMax1 = true };
        Assert.Equal(new RewardBounds(0.0, 0.0), RewardBounds.ForCorrectness(options, 300));
        var split = ToolRLRewardOptions.Default with { Max1Step30Max3 = true };
        Assert.Equal(new RewardBounds(1.0, -1.0), RewardBounds.ForCorrectness(split, 29));
        Assert.Equal(new RewardBounds(3.0, -3.0), RewardBounds.ForCorrectness(split, 30));
        Assert.Equal(new RewardBounds(1.0, 0.0), RewardBounds.ForFormat(split, 29));
        Assert.Equal(new RewardBounds(0.5, 0.0), RewardBounds.ForFormat(split, 30));
        Assert.Equal(1.0 / 3, RewardBounds.ForCorrectness(split with { CorrectMax1 = true }, 10).Max, 15);
    }

    [Theory]
    [InlineData(64, 0, false, 0.12)]   // 0.125 rounds half to even
    [InlineData(192, 0, false, 0.38)]  // 0.375 → 0.38
    [InlineData(448, 0, false, 0.88)]
    [InlineData(600, 0, false, 1.0)]   // capped
    [InlineData(384, 0, true, 1.0)]    // SCHEDULELENGTH: L = 384 at step 0
    [InlineData(320, 105, true, 0.5)]  // L = 640 at step 105
    public void LengthIsTheLastThoughtsWordCountOverLRoundedThePythonWay(int words, int step, bool schedule, double expected)
    {
        var thought = "<think>" + string.Join(" \u3000\t", Enumerable.Repeat("w", words)) + "</think>";
        var options = ToolRLRewardOptions.Default with { WithLength = true, ScheduleLength = schedule };
        Assert.Equal(expected, Score("<think> first block ignored </think>\n" + thought, options: options, step: step).Length);
        Assert.Equal(0.0, Score("no think tags", options: options).Length);
        Assert.Equal(0.0, Score(thought, options: ToolRLRewardOptions.Default with { ScheduleLength = true }).Length); // needs WITHLENGTH
    }

    [Theory]
    [InlineData(0.125, 0.12)]
    [InlineData(0.375, 0.38)]
    [InlineData(2.675, 2.67)]  // really 2.67499999…
    [InlineData(1.005, 1.0)]   // really 1.00499999…
    [InlineData(0.015, 0.01)]  // really 0.01499999…
    [InlineData(-0.125, -0.12)]
    [InlineData(123456789.125, 123456789.12)]
    public void PythonRoundToHundredthsRoundsTheExactBinaryValueHalfToEven(double x, double expected) =>
        Assert.Equal(expected, PyRound.ToHundredths(x));

    [Fact]
    public void PythonWhitespaceIsExactlyStrIsspace()
    {
        int[] python = [0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
            0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
        var ours = Enumerable.Range(0, 0x10000).Where(c => PyText.IsSpace((char)c)).ToArray();
        Assert.Equal(python, ours);
        Assert.Equal(2, PyText.CountWords("a\u00a0b\u200b"));
    }

    [Fact]
    public void PythonJsonEdgeCases()
    {
        Assert.Equal(PyKind.Int, PyJson.Parse("-0")!.Kind);
        Assert.Equal(PyKind.BigInt, PyJson.Parse(new string('9', 30))!.Kind);
        Assert.NotNull(PyJson.Parse(new string('1', 4300)));
        Assert.Null(PyJson.Parse(new string('1', 4301)));          // CPython 3.11 int digit limit
        Assert.Equal(double.PositiveInfinity, PyJson.Parse("1e400")!.Float);
        Assert.Equal(double.PositiveInfinity, PyJson.Parse("1e99999999999999999999")!.Float);
        Assert.Equal(0.0, PyJson.Parse("1e-99999999999999999999")!.Float);
        foreach (var bad in new[] { "01", "1.", ".5", "+1", "1e", "-", "[1,]", "{\"a\":1,}", "'a'", "\"\\x41\"", "\"a\tb\"", "nul", "" })
        {
            Assert.Null(PyJson.Parse(bad));
        }
        Assert.Equal("é😀\ud800", PyJson.Parse("\"\\u00e9\\ud83d\\ude00\\ud800\"")!.Text);
        PyJson.Parse("[1, 2", out var error);
        Assert.Equal("Expecting ',' delimiter: line 1 column 6 (char 5)", error);
    }
}
