using System.Globalization;

namespace ToolRL.Tokenization;

/// <summary>
/// A hand-written matcher for the Qwen2 split pattern (tokenizer.json pre_tokenizer, behaviour "Isolated"):
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// and for Llama 3's (<see cref="Llama3Pattern"/>), which differs only in taking digits three at a time (<c>\p{N}{1,3}</c>).
/// It works on Unicode code points like Oniguruma does in Hugging Face <c>tokenizers</c>, so letters and
/// digits outside the Basic Multilingual Plane (surrogate pairs in .NET strings, which <c>Regex</c>'s
/// <c>\p{L}</c> would not see) are classified correctly. Every character is covered by some alternative,
/// so the pieces are contiguous and the splitter only needs "where does the piece starting here end".
/// </summary>
internal static class Qwen2PreTokenizer
{
    /// <summary>The pattern string this matcher implements, exactly as tokenizer.json spells it.</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The Llama 3 pattern, exactly as its tokenizer.json spells it.</summary>
    public const string Llama3Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pattern with digit runs of at most <paramref name="maxDigitRun"/> (1 or 3).</summary>
    public static string PatternFor(int maxDigitRun) => maxDigitRun == 3 ? Llama3Pattern : Pattern;

    /// <summary>Code point classes the pattern distinguishes.</summary>
    internal enum CharClass : byte
    {
        /// <summary><c>[^\s\p{L}\p{N}]</c>: punctuation, symbols, marks, emoji, controls.</summary>
        Other,
        /// <summary><c>\p{L}</c>.</summary>
        Letter,
        /// <summary><c>\p{N}</c>.</summary>
        Number,
        /// <summary><c>\s</c> other than CR and LF.</summary>
        Space,
        /// <summary>CR or LF (also <c>\s</c>).</summary>
        Newline,
        /// <summary>A UTF-16 surrogate: classify the whole code point.</summary>
        Surrogate,
    }

    /// <summary>Class of every BMP code unit, built once (64 KiB).</summary>
    private static readonly CharClass[] BmpClasses = BuildBmpClasses();

    /// <summary>Splits <paramref name="text"/> into pre-tokens, appending their ranges to <paramref name="pieces"/>.</summary>
    public static void Split(ReadOnlySpan<char> text, List<Range> pieces)
    {
        var start = 0;
        while (start < text.Length)
        {
            var end = PieceEnd(text, start);
            pieces.Add(new Range(start, end));
            start = end;
        }
    }

    /// <summary>The end (exclusive) of the pre-token that starts at <paramref name="i"/> (&lt; text.Length).</summary>
    public static int PieceEnd(ReadOnlySpan<char> s, int i) => PieceEnd(s, i, maxDigitRun: 1);

    /// <summary>As <see cref="PieceEnd(ReadOnlySpan{char}, int)"/>, with digit runs of up to <paramref name="maxDigitRun"/> code points.</summary>
    public static int PieceEnd(ReadOnlySpan<char> s, int i, int maxDigitRun)
    {
        var n = s.Length;
        var c0 = Classify(s, i, out var l0);

        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (s[i] == '\'' && i + 1 < n)
        {
            var contraction = ContractionLength(s, i);
            if (contraction > 0)
            {
                return i + contraction;
            }
        }

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (c0 == CharClass.Letter)
        {
            return SkipClass(s, i + l0, CharClass.Letter);
        }
        if (c0 is CharClass.Other or CharClass.Space && i + l0 < n && Classify(s, i + l0, out var l1) == CharClass.Letter)
        {
            return SkipClass(s, i + l0 + l1, CharClass.Letter);
        }

        // \p{N} (Qwen2) or \p{N}{1,3} (Llama 3)
        if (c0 == CharClass.Number)
        {
            var end = i + l0;
            for (var taken = 1; taken < maxDigitRun && end < n && Classify(s, end, out var ln) == CharClass.Number; taken++)
            {
                end += ln;
            }
            return end;
        }

        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var j = i;
        if (s[i] == ' ' && i + 1 < n && Classify(s, i + 1, out _) == CharClass.Other)
        {
            j = i + 1;
        }
        if (Classify(s, j, out var lj) == CharClass.Other)
        {
            var end = SkipClass(s, j + lj, CharClass.Other);
            while (end < n && s[end] is '\r' or '\n')
            {
                end++;
            }
            return end;
        }

        // Only whitespace is left. Whitespace code points are all in the BMP.
        var runEnd = i + 1;
        var lastNewline = s[i] is '\r' or '\n' ? i : -1;
        while (runEnd < n && BmpClasses[s[runEnd]] is CharClass.Space or CharClass.Newline)
        {
            if (s[runEnd] is '\r' or '\n')
            {
                lastNewline = runEnd;
            }
            runEnd++;
        }

        // \s*[\r\n]+ : greedy \s* backs off to the last newline of the run.
        if (lastNewline >= 0)
        {
            return lastNewline + 1;
        }

        // \s+(?!\S) : the whole run at the end of text, else the run minus the space before the next word.
        if (runEnd == n)
        {
            return runEnd;
        }
        if (runEnd - i >= 2)
        {
            return runEnd - 1;
        }

        // \s+
        return runEnd;
    }

    /// <summary>Length of a case-insensitive English contraction at <paramref name="i"/> (which holds '), or 0.</summary>
    private static int ContractionLength(ReadOnlySpan<char> s, int i)
    {
        var a = s[i + 1];
        // Unicode simple case folding maps U+017F LATIN SMALL LETTER LONG S to 's' as well.
        if (a is 's' or 'S' or '\u017F' or 't' or 'T' or 'm' or 'M' or 'd' or 'D')
        {
            return 2;
        }
        if (i + 2 >= s.Length)
        {
            return 0;
        }
        var b = s[i + 2];
        return (a, b) switch
        {
            ('r' or 'R', 'e' or 'E') => 3,
            ('v' or 'V', 'e' or 'E') => 3,
            ('l' or 'L', 'l' or 'L') => 3,
            _ => 0,
        };
    }

    /// <summary>Advances past code points of class <paramref name="wanted"/> from <paramref name="i"/>.</summary>
    private static int SkipClass(ReadOnlySpan<char> s, int i, CharClass wanted)
    {
        while (i < s.Length && Classify(s, i, out var length) == wanted)
        {
            i += length;
        }
        return i;
    }

    /// <summary>The class of the code point at <paramref name="i"/> and its length in UTF-16 units.</summary>
    internal static CharClass Classify(ReadOnlySpan<char> s, int i, out int length)
    {
        var cls = BmpClasses[s[i]];
        if (cls != CharClass.Surrogate)
        {
            length = 1;
            return cls;
        }
        if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return ClassOf(char.ConvertToUtf32(s[i], s[i + 1]));
        }
        // A lone surrogate becomes U+FFFD when encoded to UTF-8: a symbol.
        length = 1;
        return CharClass.Other;
    }

    /// <summary>The class of a code point (Unicode general category; White_Space as Oniguruma's \s).</summary>
    internal static CharClass ClassOf(int codePoint)
    {
        if (codePoint is '\r' or '\n')
        {
            return CharClass.Newline;
        }
        if (IsWhiteSpace(codePoint))
        {
            return CharClass.Space;
        }
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    /// <summary>
    /// The Unicode White_Space property, which is what Oniguruma's and Rust's <c>\s</c> mean. (JavaScript's
    /// <c>\s</c> additionally matches U+FEFF, which White_Space does not.)
    /// </summary>
    internal static bool IsWhiteSpace(int c) =>
        c is >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 or >= 0x2000 and <= 0x200A
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    private static CharClass[] BuildBmpClasses()
    {
        var classes = new CharClass[0x10000];
        for (var c = 0; c < classes.Length; c++)
        {
            classes[c] = c is >= 0xD800 and <= 0xDFFF ? CharClass.Surrogate : ClassOf(c);
        }
        return classes;
    }
}
