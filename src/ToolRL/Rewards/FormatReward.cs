using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// The format reward (rlla.py <c>customize_format_reward_func</c>, l.44-97): the stripped response must match
/// an anchored DOTALL regex chosen by which tags the ground truth contains, and the tags other than
/// <c>&lt;think&gt;</c> must each appear exactly once.
/// <code>
/// GT has &lt;response&gt; only : ^&lt;think&gt;.*?&lt;/think&gt;\n&lt;response&gt;.*?&lt;/response&gt;$
/// GT has &lt;tool_call&gt; only: ^&lt;think&gt;.*?&lt;/think&gt;\n&lt;tool_call&gt;\n.*?\n&lt;/tool_call&gt;$
/// GT has both          : ^&lt;think&gt;.*?&lt;/think&gt;\n&lt;tool_call&gt;\n.*?\n&lt;/tool_call&gt;\n&lt;response&gt;.*?&lt;/response&gt;$
/// GT has neither       : ^&lt;think&gt;.*?&lt;/think&gt;$
/// </code>
/// Each pattern is a chain of literals joined by <c>.*?</c> (which, with DOTALL, matches anything), so it
/// matches exactly when the first literal starts the text, each middle literal is found at or after the end
/// of the previous one (taking the leftmost occurrence leaves the most room), and the last literal ends at
/// a position where <c>$</c> matches: the end, or just before a final <c>\n</c>. No regex engine is needed.
/// </summary>
public static class FormatReward
{
    private const string ThinkOpen = "<think>";
    private static readonly string[] ResponseChain = ["</think>\n<response>"];
    private static readonly string[] ToolChain = ["</think>\n<tool_call>\n"];
    private static readonly string[] BothChain = ["</think>\n<tool_call>\n", "\n</tool_call>\n<response>"];

    /// <summary>
    /// True when <paramref name="response"/> (already stripped, as the reference's <c>predict_str</c> is) has the
    /// format required for a ground truth with the given tags: the reward is then fmax, otherwise fmin.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> response, bool groundTruthHasToolCall, bool groundTruthHasResponse)
    {
        if (groundTruthHasResponse && !groundTruthHasToolCall)
        {
            return MatchesChain(response, ResponseChain, "</response>")
                && CountIsOne(response, "<response>") && CountIsOne(response, "</response>");
        }
        if (groundTruthHasToolCall && !groundTruthHasResponse)
        {
            return MatchesChain(response, ToolChain, "\n</tool_call>")
                && CountIsOne(response, ToolCallBlock.Open) && CountIsOne(response, ToolCallBlock.Close);
        }
        if (groundTruthHasToolCall)
        {
            return MatchesChain(response, BothChain, "</response>")
                && CountIsOne(response, ToolCallBlock.Open) && CountIsOne(response, ToolCallBlock.Close)
                && CountIsOne(response, "<response>") && CountIsOne(response, "</response>");
        }
        return MatchesChain(response, [], "</think>");
    }

    private static bool CountIsOne(ReadOnlySpan<char> text, string tag) => PyText.Count(text, tag) == 1;

    private static bool MatchesChain(ReadOnlySpan<char> text, string[] middle, string last)
    {
        if (!text.StartsWith(ThinkOpen, StringComparison.Ordinal))
        {
            return false;
        }
        var position = ThinkOpen.Length;
        foreach (var literal in middle)
        {
            var found = text[position..].IndexOf(literal, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position += found + literal.Length;
        }
        // `$` without MULTILINE matches at the very end or before a final newline.
        return EndsWithAfter(text, last, position)
            || (text.Length > 0 && text[^1] == '\n' && EndsWithAfter(text[..^1], last, position));
    }

    private static bool EndsWithAfter(ReadOnlySpan<char> text, string last, int position) =>
        text.Length - last.Length >= position && text.EndsWith(last, StringComparison.Ordinal);
}
