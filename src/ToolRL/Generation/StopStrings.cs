namespace ToolRL.Generation;

/// <summary>Finding the stop strings that end a generated text (OpenAI's <c>stop</c>, transformers' <c>stop_strings</c>).</summary>
internal static class StopStrings
{
    /// <summary>Where the earliest of <paramref name="stops"/> starts in <paramref name="text"/>, or −1 (the text is cut there).</summary>
    public static int FirstIndex(string text, IReadOnlyList<string> stops)
    {
        var best = -1;
        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
            }
        }
        return best;
    }
}
