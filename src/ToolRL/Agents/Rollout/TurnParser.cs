using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// Reads one generated assistant turn in its model's chat dialect (<see cref="ChatDialect.ReadReply"/>: Qwen's
/// <c>&lt;tool_call&gt;</c> blocks, several per turn, or Llama 3's JSON reply): every block becomes a call; a block that
/// is not a call object becomes a call with a parse error (answered with an error observation, the turn still counts).
/// The content is the text outside the calls; a turn without blocks is an answer.
/// </summary>
public static class TurnParser
{
    /// <summary>The turn of generated <paramref name="text"/> (special tokens already removed), written in <paramref name="dialect"/>.</summary>
    public static AssistantTurn Parse(string text, ChatDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(dialect);
        var reply = dialect.ReadReply(text);
        var calls = new List<ParsedToolCall>();
        foreach (var block in reply.Blocks)
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
        return new AssistantTurn(text, reply.Content, calls);
    }
}
