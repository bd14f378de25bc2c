namespace ToolRL.Rewards.Python;

/// <summary>
/// The Python <c>str</c> operations the reference reward uses (<c>strip()</c>, <c>split()</c>, <c>count</c>,
/// <c>len</c>), with Python's exact whitespace set. UTF-16 code units are processed directly: no Python
/// whitespace character lies outside the BMP, and every tag the reward searches for is ASCII.
/// </summary>
internal static class PyText
{
    /// <summary>
    /// <c>str.isspace()</c> for one character: the 29 code points Python treats as whitespace
    /// (<c>[c for c in range(0x110000) if chr(c).isspace()]</c> on CPython 3.11). It includes the
    /// information separators U+001C..U+001F and U+0085, which .NET's <see cref="char.IsWhiteSpace(char)"/>
    /// also includes, but not U+180E or U+200B.
    /// </summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        >= '\u001c' and <= ' ' => true,
        '\u0085' or '\u00a0' or '\u1680' => true,
        >= '\u2000' and <= '\u200a' => true,
        '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' => true,
        _ => false,
    };

    /// <summary><c>s.strip()</c> with no argument.</summary>
    public static ReadOnlySpan<char> Strip(ReadOnlySpan<char> s)
    {
        var start = 0;
        while (start < s.Length && IsSpace(s[start]))
        {
            start++;
        }
        var end = s.Length;
        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }
        return s[start..end];
    }

    /// <summary><c>len(s.split())</c>: the number of maximal runs of non-whitespace characters.</summary>
    public static int CountWords(ReadOnlySpan<char> s)
    {
        var words = 0;
        var inWord = false;
        foreach (var c in s)
        {
            var space = IsSpace(c);
            if (!space && !inWord)
            {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    /// <summary><c>s.count(tag)</c>: non-overlapping occurrences, scanning left to right.</summary>
    public static int Count(ReadOnlySpan<char> s, string tag)
    {
        var count = 0;
        while (true)
        {
            var at = s.IndexOf(tag, StringComparison.Ordinal);
            if (at < 0)
            {
                return count;
            }
            count++;
            s = s[(at + tag.Length)..];
        }
    }

    /// <summary>
    /// <c>len(s)</c> of a Python <c>str</c>: code points, so a valid surrogate pair counts once and a lone
    /// surrogate counts as one code point, as Python keeps it.
    /// </summary>
    public static int CodePointLength(string s)
    {
        var length = s.Length;
        for (var i = 0; i + 1 < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1]))
            {
                length--;
                i++;
            }
        }
        return length;
    }

    /// <summary>
    /// <c>s.split(start)[1].split(end)[0]</c> (caller has checked <paramref name="start"/> occurs): the text
    /// after the FIRST <paramref name="start"/>, cut at the first <paramref name="end"/> after it.
    /// </summary>
    public static ReadOnlySpan<char> FirstBlock(ReadOnlySpan<char> s, string start, string end)
    {
        var open = s.IndexOf(start, StringComparison.Ordinal);
        var rest = s[(open + start.Length)..];
        var close = rest.IndexOf(end, StringComparison.Ordinal);
        return close < 0 ? rest : rest[..close];
    }

    /// <summary>
    /// <c>s.split(start)[-1].split(end)[0]</c>: the text after the LAST <paramref name="start"/> (the whole
    /// string if there is none), cut at the first <paramref name="end"/> after it.
    /// </summary>
    public static ReadOnlySpan<char> LastBlock(ReadOnlySpan<char> s, string start, string end)
    {
        var open = s.LastIndexOf(start, StringComparison.Ordinal);
        var rest = open < 0 ? s : s[(open + start.Length)..];
        var close = rest.IndexOf(end, StringComparison.Ordinal);
        return close < 0 ? rest : rest[..close];
    }
}
