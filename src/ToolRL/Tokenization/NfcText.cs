using System.Globalization;
using System.Text;

namespace ToolRL.Tokenization;

/// <summary>
/// NFC normalisation of one text run, with a map from each normalized character back to the characters
/// of the original run it came from (so token offsets can point into the caller's string).
/// </summary>
internal readonly struct NfcText
{
    private readonly int[]? _originStart;
    private readonly int[]? _originEnd;
    private readonly int _originLength;

    private NfcText(string text, int[]? originStart, int[]? originEnd, int originLength)
    {
        Text = text;
        _originStart = originStart;
        _originEnd = originEnd;
        _originLength = originLength;
    }

    /// <summary>The NFC form.</summary>
    public string Text { get; }

    /// <summary>True when normalisation changed nothing (offsets map one to one).</summary>
    public bool IsIdentity => _originStart is null;

    /// <summary>
    /// Characters below U+0300 never take part in a canonical composition as the second character, and
    /// text made only of them is already NFC: the common case skips the ICU call entirely.
    /// </summary>
    public static bool IsTriviallyNfc(ReadOnlySpan<char> text) => !text.ContainsAnyInRange('\u0300', '\uffff');

    /// <summary>Normalizes <paramref name="original"/>; keeps the origin map only when <paramref name="withOffsets"/>.</summary>
    public static NfcText Create(string original, bool withOffsets)
    {
        // .NET refuses to normalize lone surrogates; UTF-8 encoding would turn them into U+FFFD anyway,
        // and the replacement keeps every character's position.
        original = ReplaceLoneSurrogates(original);
        if (IsTriviallyNfc(original) || original.IsNormalized(NormalizationForm.FormC))
        {
            return new NfcText(original, null, null, original.Length);
        }
        var normalized = original.Normalize(NormalizationForm.FormC);
        if (!withOffsets)
        {
            return new NfcText(normalized, null, null, original.Length) { };
        }
        // Normalize grapheme by grapheme: composition never crosses a grapheme-cluster boundary in practice,
        // and when it does (the concatenation differs) the whole run is used as every character's origin.
        var starts = new int[normalized.Length];
        var ends = new int[normalized.Length];
        var builder = new StringBuilder(normalized.Length);
        var position = 0;
        while (position < original.Length)
        {
            var length = StringInfo.GetNextTextElementLength(original.AsSpan(position));
            var piece = original.Substring(position, length).Normalize(NormalizationForm.FormC);
            for (var k = 0; k < piece.Length && builder.Length + k < starts.Length; k++)
            {
                starts[builder.Length + k] = position;
                ends[builder.Length + k] = position + length;
            }
            builder.Append(piece);
            position += length;
        }
        if (!builder.Equals(normalized))
        {
            Array.Fill(starts, 0);
            Array.Fill(ends, original.Length);
        }
        return new NfcText(normalized, starts, ends, original.Length);
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') || IsWellFormed(text))
        {
            return text;
        }
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }
        return new string(chars);
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The original range covering normalized characters [start, end).</summary>
    public Range OriginOf(int start, int end)
    {
        if (_originStart is null || _originEnd is null)
        {
            return new Range(start, end);
        }
        return start >= end
            ? new Range(Math.Min(_originLength, start), Math.Min(_originLength, start))
            : new Range(_originStart[start], _originEnd[end - 1]);
    }
}
