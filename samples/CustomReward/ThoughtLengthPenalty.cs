using ToolRL.Rewards;

namespace CustomReward;

/// <summary>
/// A user-defined reward: penalises over-long thoughts. The words inside the completion's first
/// <c>&lt;think&gt;…&lt;/think&gt;</c> block are counted; up to <paramref name="budgetWords"/> costs nothing, beyond it
/// the penalty grows linearly and reaches −1 at twice the budget (and stays there). A completion without a
/// closed think block scores 0 here: the ToolRL format reward already punishes it.
/// </summary>
/// <param name="budgetWords">Words a thought may use for free (must be positive).</param>
public sealed class ThoughtLengthPenalty(int budgetWords) : IRewardFunction
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    /// <summary>The registry / metrics name: the trainer logs rewards/thought_length/mean.</summary>
    public string Name => "thought_length";

    /// <summary>Words a thought may use for free.</summary>
    public int BudgetWords { get; } = budgetWords > 0
        ? budgetWords
        : throw new ArgumentOutOfRangeException(nameof(budgetWords), budgetWords, "the word budget must be positive, e.g. 40");

    /// <inheritdoc />
    public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
        batch.Select(sample => Penalty(ThoughtWords(sample.Completion))).ToArray();

    /// <summary>0 within the budget, then −(words − budget) / budget, floored at −1.</summary>
    public double Penalty(int words) =>
        words <= BudgetWords ? 0.0 : -Math.Min(1.0, (double)(words - BudgetWords) / BudgetWords);

    /// <summary>Whitespace-separated words in the first closed think block (0 when there is none).</summary>
    public static int ThoughtWords(string completion)
    {
        var start = completion.IndexOf(Open, StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }
        start += Open.Length;
        var end = completion.IndexOf(Close, start, StringComparison.Ordinal);
        return end < 0
            ? 0
            : completion[start..end].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
    }
}
