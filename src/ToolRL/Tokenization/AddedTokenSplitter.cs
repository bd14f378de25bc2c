using System.Buffers;

namespace ToolRL.Tokenization;

/// <summary>
/// Finds added tokens in raw text, leftmost first and longest at a position (the Aho-Corasick
/// "leftmost-longest" rule of Hugging Face <c>tokenizers</c>), honouring lstrip/rstrip/single_word.
/// </summary>
internal sealed class AddedTokenSplitter
{
    /// <summary>A piece of the input: either an added token or a text run to pre-tokenize.</summary>
    /// <param name="Start">First character (in the original text).</param>
    /// <param name="End">End (exclusive).</param>
    /// <param name="Token">The added token, or null for ordinary text.</param>
    public readonly record struct Segment(int Start, int End, AddedToken? Token);

    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    /// <summary>Prepares a matcher for <paramref name="tokens"/> (empty contents are ignored).</summary>
    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id).ToArray());
        _firstChars = SearchValues.Create([.. _byFirstChar.Keys]);
    }

    /// <summary>Splits <paramref name="text"/>; special tokens are only matched if <paramref name="matchSpecial"/>.</summary>
    public void Split(string text, bool matchSpecial, List<Segment> segments)
    {
        var textStart = 0;
        var searchFrom = 0;
        while (searchFrom < text.Length)
        {
            var found = text.AsSpan(searchFrom).IndexOfAny(_firstChars);
            if (found < 0)
            {
                break;
            }
            var at = searchFrom + found;
            var token = LongestAt(text, at, matchSpecial);
            if (token is null)
            {
                searchFrom = at + 1;
                continue;
            }
            var start = at;
            var end = at + token.Content.Length;
            if (token.LeftStrip)
            {
                while (start > textStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RightStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }
            if (start > textStart)
            {
                segments.Add(new Segment(textStart, start, null));
            }
            segments.Add(new Segment(start, end, token));
            textStart = end;
            searchFrom = end;
        }
        if (textStart < text.Length)
        {
            segments.Add(new Segment(textStart, text.Length, null));
        }
    }

    private AddedToken? LongestAt(string text, int at, bool matchSpecial)
    {
        if (!_byFirstChar.TryGetValue(text[at], out var candidates))
        {
            return null;
        }
        var rest = text.AsSpan(at);
        foreach (var token in candidates)
        {
            if ((matchSpecial || !token.Special) && rest.StartsWith(token.Content, StringComparison.Ordinal)
                && (!token.SingleWord || IsWordBoundary(text, at, at + token.Content.Length)))
            {
                return token;
            }
        }
        return null;
    }

    private static bool IsWordBoundary(string text, int start, int end) =>
        (start == 0 || !IsWordChar(text[start - 1])) && (end == text.Length || !IsWordChar(text[end]));

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
