using ToolRL.Rewards;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// Reads one generated assistant turn (Qwen2.5 hermes format, as its chat template writes tool calls): every <c>&lt;tool_call&gt;</c> block
/// becomes a call, several per turn; a block that is not a call object becomes a call with a parse error (answered
/// with an error observation, the turn still counts). The content is the text before the first block, without the
/// <c>\n</c> the template puts between content and calls; a turn without blocks is an answer.
/// </summary>
public static class TurnParser
{
    private const string Open = "<tool_call>";

    /// <summary>The turn of generated <paramref name="text"/> (special tokens already removed).</summary>
    public static AssistantTurn Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var blocks = ToolCallParser.ParseBlocks(text);
        if (blocks.Count == 0)
        {
            return new AssistantTurn(text, text, []);
        }
        var open = text.IndexOf(Open, StringComparison.Ordinal);
        var content = open < 0 ? "" : text[..open];                  // Llama 3.x: the reply is the call(s) alone
        if (content.EndsWith('\n'))
        {
            content = content[..^1];
        }
        var calls = new List<ParsedToolCall>();
        foreach (var block in blocks)
        {
            if (block.Calls.Count == 0)
            {
                calls.Add(new ParsedToolCall(null, block.Text,
                    block.Closed
                        ? "the block is not a JSON object with a string \"name\" and an \"arguments\" object"
                        : "the block has no closing </tool_call>"));
            }
            else
            {
                calls.AddRange(block.Calls.Select(c => new ParsedToolCall(c, block.Text, null)));
            }
        }
        return new AssistantTurn(text, content, calls);
    }
}
