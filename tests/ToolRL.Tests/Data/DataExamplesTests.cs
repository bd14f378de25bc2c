using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>The hand-written verl rlla rows in data/examples load as RL rows and their ground truths score the maximum.</summary>
public class DataExamplesTests
{
    [Fact]
    public void RllaExampleRowsLoadAndTheirGroundTruthsScoreTheMaximum()
    {
        var rows = RlDataset.Load(TestPaths.InRepo("data", "examples", "rlla_rows.jsonl"), new DatasetLoadOptions { GroundTruthValidator = ToolRLGroundTruthRules.Validate });
        Assert.Empty(rows.Problems);
        Assert.Equal(3, rows.Count);
        var scores = rows.Rows.Select(r => ToolRLReward.Score(r.GroundTruth, r.GroundTruth, ToolRLRewardOptions.Default)).ToList();
        // Format 1 for each; correctness 3 (the maximum) for the two tool-call rows, 0 for the response-only row.
        Assert.Equal([new(1, 3, 0, 4), new(1, 3, 0, 4), new(1, 0, 0, 1)], scores);
        Assert.Equal(["system", "user"], rows.Rows[1].Prompt.Select(m => m.Role));
    }
}
