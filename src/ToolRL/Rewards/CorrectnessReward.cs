using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// The tool-call correctness reward (rlla.py <c>customize_correctness_reward_tool</c>, l.202-254):
/// 0.0 when the GT has no tool call; cmin when the response has no parsable first tool-call block or
/// anything in the matching raises; otherwise the partial score of <c>compute_tool_call_reward</c> and <c>match_score</c>, scaled to [cmin, cmax].
/// </summary>
public static class CorrectnessReward
{
    /// <summary>The correctness of a stripped response.</summary>
    /// <exception cref="InvalidGroundTruthException">The GT's tool-call block does not parse (the reference crashes).</exception>
    public static double Score(ReadOnlySpan<char> response, ToolRLGroundTruth groundTruth, ToolRLRewardOptions options, int step)
    {
        if (!groundTruth.HasToolCall)
        {
            return 0.0; // l.227-233
        }
        if (groundTruth.Error is not null)
        {
            throw new InvalidGroundTruthException(groundTruth.Error);
        }
        var bounds = RewardBounds.ForCorrectness(options, step);
        // l.239-247: everything below sits in a bare try/except that gives cmin.
        if (!response.Contains(ToolCallBlock.Open, StringComparison.Ordinal) || !response.Contains(ToolCallBlock.Close, StringComparison.Ordinal))
        {
            return bounds.Min;
        }
        var matching = new ToolCallMatching(groundTruth.Matching!, options);
        var block = PyText.Strip(PyText.FirstBlock(response, ToolCallBlock.Open, ToolCallBlock.Close));
        var lineIndex = 0;
        foreach (var range in block.Split('\n'))
        {
            // One JSON value per line; a failing line raises (cmin), and so does a certain cmin seen early.
            var line = block[range];
            var call = groundTruth.Matching!.SameLine(lineIndex++, line) ?? PyJson.Parse(line);
            if (call is null || !matching.Add(call))
            {
                return bounds.Min;
            }
        }
        return matching.Finish(bounds.Max, bounds.Min) ?? bounds.Min;
    }
}
