using System.Text;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL's <c>standardize_string</c>: delete every space and <c>, . / - _ * ^</c>, lowercase, then turn
/// <c>'</c> into <c>"</c>, so "April 1, 2024" equals "april 1 2024". Nothing else is touched: tabs, newlines,
/// non-breaking spaces, en dashes and <c>!</c> stay and count.
/// </summary>
internal static class BfclStringNormalizer
{
    public static string Normalize(string text)
    {
        var kept = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is not (' ' or ',' or '.' or '/' or '-' or '_' or '*' or '^'))
            {
                kept.Append(c);
            }
        }
        return Lower(kept.ToString()).Replace('\'', '"');
    }

    // Python's str.lower() is the full Unicode lowercase mapping; .NET's invariant lowering is the simple one.
    // They differ on U+0130 (İ → "i̇", two code points) — handled — and on a word-final capital sigma
    // (Python gives ς), which is left as σ: a model and a ground truth differing only there are not worth the rule.
    private static string Lower(string text)
    {
        var lowered = text.ToLowerInvariant();
        return text.Contains('\u0130') ? ReplaceDottedCapitalI(text, lowered) : lowered;
    }

    private static string ReplaceDottedCapitalI(string original, string lowered)
    {
        var builder = new StringBuilder(lowered.Length + 4);
        for (var i = 0; i < original.Length; i++)
        {
            builder.Append(original[i] == '\u0130' ? "i\u0307" : lowered[i].ToString());
        }
        return builder.ToString();
    }
}
