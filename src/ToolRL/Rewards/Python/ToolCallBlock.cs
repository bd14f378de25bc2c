namespace ToolRL.Rewards.Python;

/// <summary>
/// The reference's tool-call extraction, identical for the ground truth (l.235-237) and the response
/// (l.243-244): <c>[json.loads(line) for line in s.split("&lt;tool_call&gt;")[1].split("&lt;/tool_call&gt;")[0].strip().split("\n")]</c>.
/// Only the FIRST block counts and every line must be one JSON value.
/// </summary>
internal static class ToolCallBlock
{
    /// <summary>The opening tag.</summary>
    public const string Open = "<tool_call>";

    /// <summary>The closing tag.</summary>
    public const string Close = "</tool_call>";

    /// <summary>
    /// Parses the first block of <paramref name="text"/> (which must contain <see cref="Open"/>); null when
    /// a line fails to parse, with the 0-based <paramref name="failedLine"/>, its text and Python's error.
    /// </summary>
    public static List<PyValue>? Parse(ReadOnlySpan<char> text, out int failedLine, out string? failedText, out string? error) =>
        Parse(text, null, out failedLine, out failedText, out error);

    /// <summary>As <see cref="Parse(ReadOnlySpan{char}, out int, out string?, out string?)"/>, also collecting each line's text.</summary>
    public static List<PyValue>? Parse(
        ReadOnlySpan<char> text, List<string>? lineTexts, out int failedLine, out string? failedText, out string? error)
    {
        var block = PyText.Strip(PyText.FirstBlock(text, Open, Close));
        var calls = new List<PyValue>();
        var lineNumber = 0;
        while (true)
        {
            var newline = block.IndexOf('\n');
            var line = newline < 0 ? block : block[..newline];
            var value = PyJson.Parse(line, out error);
            if (value is null)
            {
                failedLine = lineNumber;
                failedText = line.ToString();
                return null;
            }
            calls.Add(value);
            lineTexts?.Add(line.ToString());
            if (newline < 0)
            {
                failedLine = -1;
                failedText = null;
                return calls;
            }
            block = block[(newline + 1)..];
            lineNumber++;
        }
    }

    /// <summary>Parses the first block of <paramref name="text"/>; null when any line fails.</summary>
    public static List<PyValue>? Parse(ReadOnlySpan<char> text) => Parse(text, null, out _, out _, out _);
}
