namespace ToolRL.Algorithms;

/// <summary>
/// A run of response tokens that wrote one scored decision (e.g. one argument value of a tool call), for
/// <see cref="ArgumentCreditAdvantage"/>.
/// </summary>
/// <param name="Start">Index of the first token in the response.</param>
/// <param name="Length">Number of tokens.</param>
/// <param name="Key">The decision: spans of responses to the same prompt with the same key are compared.</param>
/// <param name="Score">The decision's own score (1 right, 0 wrong for an argument value).</param>
public readonly record struct CreditSpan(int Start, int Length, string Key, double Score);
