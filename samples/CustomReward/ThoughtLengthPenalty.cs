using ToolRL.Rewards;

namespace CustomReward;

/// <summary>
/// A user-defined reward: penalises over-long thoughts. The thought is what the completion writes before it
/// closes its thinking or starts acting: from just after <c>&lt;think&gt;</c> (or from the start, when there is
/// none) to the first <c>&lt;/think&gt;</c>, <c>&lt;tool_call&gt;</c> or <c>&lt;response&gt;</c> (or the end), without
/// surrounding white space. Up to <paramref name="budgetChars"/> characters cost nothing; beyond, the penalty
/// grows linearly and reaches −1 at twice the budget (and stays there).
/// </summary>
/// <param name="budgetChars">Characters a thought may use for free (must be positive).</param>
public sealed class ThoughtLengthPenalty(int budgetChars) : IRewardFunction
{
    private const string Open = "<think>";
    private static readonly string[] Ends = ["</think>", "<tool_call>", "<response>"];

    /// <summary>The registry / metrics name: the trainer logs rewards/thought_length/mean.</summary>
    public string Name => "thought_length";

    /// <summary>Characters a thought may use for free.</summary>
    public int BudgetChars { get; } = budgetChars > 0
        ? budgetChars
        : throw new ArgumentOutOfRangeException(nameof(budgetChars), budgetChars, "the budget must be a positive number of characters, e.g. 40");

    /// <inheritdoc />
    public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
        batch.Select(sample => Penalty(ThoughtLength(sample.Completion))).ToArray();

    /// <summary>0 within the budget, then −(length − budget) / budget, floored at −1.</summary>
    public double Penalty(int length) =>
        length <= BudgetChars ? 0.0 : -Math.Min(1.0, (double)(length - BudgetChars) / BudgetChars);

    /// <summary>The thought's length in characters (see the class summary).</summary>
    public static int ThoughtLength(string completion)
    {
        var open = completion.IndexOf(Open, StringComparison.Ordinal);
        var start = open < 0 ? 0 : open + Open.Length;
        var end = completion.Length;
        foreach (var marker in Ends)
        {
            var at = completion.IndexOf(marker, start, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }
        return completion.AsSpan(start, end - start).Trim().Length;
    }
}
