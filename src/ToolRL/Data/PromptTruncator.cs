namespace ToolRL.Data;

/// <summary>Cuts a tokenized prompt to a maximum length the way verl's <c>truncation</c> option does.</summary>
public static class PromptTruncator
{
    /// <summary>
    /// Returns <paramref name="tokens"/> cut to <paramref name="maxLength"/>: Left keeps the last tokens, Right the
    /// first; Error throws when the prompt is too long (verl raises there too).
    /// </summary>
    public static IReadOnlyList<T> Truncate<T>(IReadOnlyList<T> tokens, int maxLength, PromptTruncation mode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (tokens.Count <= maxLength)
        {
            return tokens;
        }
        return mode switch
        {
            PromptTruncation.Left => tokens.Skip(tokens.Count - maxLength).ToArray(),
            PromptTruncation.Right => tokens.Take(maxLength).ToArray(),
            _ => throw new DatasetException(
                $"prompt is {tokens.Count} tokens, longer than max_prompt_length {maxLength}; raise the limit or use truncation left/right"),
        };
    }
}
