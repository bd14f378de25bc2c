using ToolRL.Rewards;
using ToolRL.Testing;

namespace ToolRL.Tests.Rewards;

/// <summary>Every published vector of the original reference must be reproduced (the bar is 1e-9; we reach bit-exact).</summary>
public class RewardVectorTests
{
    [ReferenceFact]
    public void AllPublishedVectorsAreLoaded()
    {
        Assert.Equal(2083, RewardVector.All.Count);
        Assert.Equal(63, RewardVector.All.Select(v => v.Kind).Distinct().Count());
    }

    [ReferenceFact]
    public void EveryVectorMatchesTheReferenceWithin1e9()
    {
        var failures = new List<string>();
        foreach (var vector in RewardVector.All)
        {
            var actual = ToolRLReward.Score(vector.Response, vector.GroundTruth, vector.Options, vector.Step);
            if (!Close(actual.Format, vector.Expected.Format) || !Close(actual.Correctness, vector.Expected.Correctness)
                || !Close(actual.Length, vector.Expected.Length) || !Close(actual.Total, vector.Expected.Total))
            {
                failures.Add($"{vector.Id} ({vector.Kind}, step {vector.Step}, {vector.Options.ToJson().ToJsonString()}): expected {vector.Expected}, got {actual}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {RewardVector.All.Count} vectors differ:\n" + string.Join("\n", failures.Take(25)));
    }

    [ReferenceFact]
    public void EveryVectorIsBitExact()
    {
        var inexact = RewardVector.All
            .Where(v => ToolRLReward.Score(v.Response, v.GroundTruth, v.Options, v.Step) != v.Expected)
            .Select(v => v.Id)
            .ToList();
        Assert.True(inexact.Count == 0, $"not bit-exact: {string.Join(", ", inexact.Take(25))}");
    }

    private static bool Close(double actual, double expected) => Math.Abs(actual - expected) <= 1e-9;
}
