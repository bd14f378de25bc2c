using ToolRL.Data;
using ToolRL.Rewards;

namespace ToolRL.Tests.Data;

/// <summary>The synthetic task is solvable: its own ground truth gets the best ToolRL score on every row.</summary>
public sealed class SyntheticRewardTests
{
    public static TheoryData<string> Presets() => ["tiny", "default", "hard", "tiny-minimal"];

    [Theory]
    [MemberData(nameof(Presets))]
    public void EveryGroundTruthScoresFormatOneAndMaximumCorrectness(string preset)
    {
        var options = preset switch
        {
            "tiny" => SyntheticTaskOptions.Tiny,
            "tiny-minimal" => SyntheticTaskOptions.Tiny with { Instructions = SyntheticInstructions.Minimal },             "hard" => SyntheticTaskOptions.Hard,
            _ => SyntheticTaskOptions.Default,
        };
        foreach (var row in SyntheticToolTask.Generate(300, seed: 11, options))
        {
            var score = ToolRLReward.Score(row.GroundTruth, row.GroundTruth, ToolRLRewardOptions.Default, step: 1);

            Assert.Equal(1.0, score.Format);
            // Correctness is +3 for a tool ground truth; a response-only ground truth always gets 0 (rlla.py customize_correctness_reward_tool).
            Assert.Equal(row.GroundTruth.Contains("<tool_call>") ? 3.0 : 0.0, score.Correctness);
        }
    }

    [Fact]
    public void AWrongArgumentLosesCorrectnessSoTheTaskIsNotTrivial()
    {
        var row = SyntheticToolTask.Generate(50, seed: 11).First(r => SyntheticToolTask.KindOf(r) == SyntheticTaskKind.SingleCall);
        var wrong = row.GroundTruth.Replace("\"parameters\": {\"", "\"parameters\": {\"x");

        var score = ToolRLReward.Score(wrong, row.GroundTruth, ToolRLRewardOptions.Default, step: 1);

        Assert.Equal(1.0, score.Format);
        Assert.True(score.Correctness < 3.0);
    }

    [Fact]
    public void TheDefaultValidatorIsTheRewardsOwnParserPlusFormatAndShapeChecks()
    {
        const string Thought = "<think> t </think>\n";

        Assert.Null(ToolRLGroundTruthRules.Validate(Thought + "<tool_call>\n{\"name\": \"a\", \"parameters\": {}}\n</tool_call>"));
        Assert.Contains("json.loads", ToolRLGroundTruthRules.Validate(Thought + "<tool_call>\n{\"name\": \"a\",\n\"parameters\": {}}\n</tool_call>"));
        Assert.Contains("neither", ToolRLGroundTruthRules.Validate(Thought.Trim()));
        Assert.Contains("own format rule", ToolRLGroundTruthRules.Validate("<response> hi </response>"));
        Assert.Contains("\"parameters\" object", ToolRLGroundTruthRules.Validate(Thought + "<tool_call>\n{\"name\": \"a\"}\n</tool_call>"));
        Assert.Null(ToolRLGroundTruth.Validate(Thought + "<tool_call>\n{\"name\": \"a\"}\n</tool_call>"));
    }
}
