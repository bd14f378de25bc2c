using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// The token ids the environment inserts between generated turns, taken from the chat template itself (as TRL's
/// <c>_get_tool_suffix_ids</c> does in <c>tool_agent_loop.py</c>): the text a turn of tool results (grouped
/// <c>&lt;tool_response&gt;</c> blocks in call order) or of the user adds to a rendered conversation, followed by the
/// next generation prompt. The policy stops at <c>&lt;|im_end|&gt;</c> and never writes the <c>\n</c> the template
/// puts after it, so the inserted ids start with that <c>\n</c>; when it stopped elsewhere (at
/// <c>&lt;/tool_call&gt;</c>) they start with <c>&lt;|im_end|&gt;\n</c>. Only the new text is encoded, never the
/// history: special tokens split the text, so these ids are exactly the ones the whole conversation encodes to.
/// </summary>
public sealed class TurnTemplate(Qwen2Tokenizer tokenizer)
{
    private static readonly ChatMessage[] Before = [new("user", "u"), new("assistant", "a")];

    /// <summary>The tokenizer.</summary>
    public Qwen2Tokenizer Tokenizer { get; } = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>The prompt: the opening conversation and tools, rendered with the generation prompt.</summary>
    public int[] PromptIds(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject> tools) =>
        [.. Tokenizer.EncodeToIds(Qwen25ChatTemplate.Render(messages, tools, addGenerationPrompt: true))];

    /// <summary>The ids of a tool-results turn (one content per call, in call order).</summary>
    public int[] ObservationIds(IReadOnlyList<string> toolContents, bool closeTurn) =>
        Inserted([.. toolContents.Select(c => new ChatMessage("tool", c))], closeTurn);

    /// <summary>The ids of a user turn.</summary>
    public int[] UserIds(string content, bool closeTurn) => Inserted([new ChatMessage("user", content)], closeTurn);

    /// <summary>
    /// The ids a policy writes for <paramref name="message"/> when it writes it as the template renders it: the
    /// assistant turn's body after the generation prompt, ending with &lt;|im_end|&gt; (for gold trajectories).
    /// </summary>
    public int[] AssistantIds(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rendered = Qwen25ChatTemplate.Render([.. Before, message]);
        var start = Qwen25ChatTemplate.Render(Before).Length + "<|im_start|>assistant".Length;
        var body = rendered[start..^"\n".Length];                 // through the closing <|im_end|>
        return [.. Tokenizer.EncodeToIds(body.StartsWith('\n') ? body[1..] : body)];   // the generation prompt holds the "\n"
    }

    /// <summary>The text inserted after a generated turn for <paramref name="turn"/>.</summary>
    public static string InsertedText(IReadOnlyList<ChatMessage> turn, bool closeTurn)
    {
        var prefix = Qwen25ChatTemplate.Render(Before);
        var full = Qwen25ChatTemplate.Render([.. Before, .. turn], addGenerationPrompt: true);
        if (!full.StartsWith(prefix, StringComparison.Ordinal) || !prefix.EndsWith(Qwen2Tokenizer.ImEndToken + "\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the chat template rewrites earlier turns; inserted turns cannot be derived from it");
        }
        // The prefix ends "<|im_end|>\n": what follows the policy's last token is that "\n" (or the whole end) and the new turn.
        return (closeTurn ? Qwen2Tokenizer.ImEndToken + "\n" : "\n") + full[prefix.Length..];
    }

    private int[] Inserted(IReadOnlyList<ChatMessage> turn, bool closeTurn) => [.. Tokenizer.EncodeToIds(InsertedText(turn, closeTurn))];
}
