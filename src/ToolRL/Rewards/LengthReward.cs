using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// The length reward (rlla.py <c>customize_length_reward_func</c>, l.101-128), used when WITHLENGTH is on:
/// the word count of the text after the LAST <c>&lt;think&gt;</c> (up to the next <c>&lt;/think&gt;</c>) divided by
/// the target length L, rounded to 2 decimals the Python way and capped at 1.0. 0.0 when either think tag is
/// missing. L = 512, or with SCHEDULELENGTH <c>(640 − 384)·step/105 + 384</c>.
/// </summary>
public static class LengthReward
{
    /// <summary>The target word count L for this step.</summary>
    public static double TargetLength(ToolRLRewardOptions options, int step) =>
        options.ScheduleLength ? (256L * step) / 105.0 + 384 : 512;

    /// <summary>The length reward in [0, 1] of a stripped response.</summary>
    public static double Score(ReadOnlySpan<char> response, ToolRLRewardOptions options, int step)
    {
        if (!response.Contains("<think>", StringComparison.Ordinal) || !response.Contains("</think>", StringComparison.Ordinal))
        {
            return 0.0;
        }
        var thought = PyText.LastBlock(response, "<think>", "</think>");
        var reward = PyRound.ToHundredths(PyText.CountWords(thought) / TargetLength(options, step));
        return reward > 1.0 ? 1.0 : reward; // then reward * (1.0 - 0.0) + 0.0, which is the identity
    }
}
