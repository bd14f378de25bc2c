using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// The token ids the environment inserts between generated turns, taken from the tokenizer's chat template itself
/// (<see cref="Qwen2Tokenizer.ChatDialect"/>; as TRL's <c>_get_tool_suffix_ids</c> does in <c>tool_agent_loop.py</c>):
/// the text a turn of tool results (in call order) or of the user adds to a rendered conversation after an assistant
/// turn, followed by the next generation prompt. The policy stops at the end-of-turn token (<c>&lt;|im_end|&gt;</c>,
/// <c>&lt;|eot_id|&gt;</c>) and never writes what the template puts after it (ChatML's <c>\n</c>), so the inserted ids
/// start there; when it stopped elsewhere (at <c>&lt;/tool_call&gt;</c>) they start with the end-of-turn token. Only the
/// new text is encoded, never the history: special tokens split the text, so these ids are exactly the ones the whole
/// conversation encodes to. The history stays as generated: where a template rewrites earlier turns (Qwen3 drops the
/// reasoning of turns before the last user query) the rollout keeps what the model saw, as verl and TRL do.
/// </summary>
public sealed class TurnTemplate(Qwen2Tokenizer tokenizer)
{
    private static readonly ChatMessage[] Before = [new("user", "u"), new("assistant", "a")];

    /// <summary>The tokenizer.</summary>
    public Qwen2Tokenizer Tokenizer { get; } = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    private ChatDialect Dialect => Tokenizer.ChatDialect;

    /// <summary>The prompt: the opening conversation and tools, rendered with the generation prompt.</summary>
    public int[] PromptIds(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject> tools) =>
        [.. Tokenizer.EncodeToIds(Dialect.Render(messages, tools, addGenerationPrompt: true))];

    /// <summary>The ids of a tool-results turn (one content per call, in call order).</summary>
    public int[] ObservationIds(IReadOnlyList<string> toolContents, bool closeTurn) =>
        Inserted([.. toolContents.Select(c => new ChatMessage("tool", c))], closeTurn);

    /// <summary>The ids of a user turn.</summary>
    public int[] UserIds(string content, bool closeTurn) => Inserted([new ChatMessage("user", content)], closeTurn);

    /// <summary>
    /// The ids a policy writes for <paramref name="message"/> when it writes it as the template renders it: the
    /// assistant turn's body after the generation prompt, ending with the end-of-turn token (for gold trajectories).
    /// </summary>
    public int[] AssistantIds(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rendered = Dialect.Render([.. Before, message]);
        var start = AfterBefore(rendered) + Dialect.AfterEndOfTurn.Length;
        if (string.CompareOrdinal(rendered, start, Dialect.AssistantHeader, 0, Dialect.AssistantHeader.Length) != 0)
        {
            throw new InvalidOperationException($"the {Dialect} template does not open an assistant turn with its generation prompt; gold turns cannot be derived from it");
        }
        var body = rendered[(start + Dialect.AssistantHeader.Length)..^Dialect.AfterEndOfTurn.Length];   // through the end-of-turn token
        return [.. Tokenizer.EncodeToIds(body)];
    }

    /// <summary>The text inserted after a generated turn for <paramref name="turn"/>.</summary>
    public string InsertedText(IReadOnlyList<ChatMessage> turn, bool closeTurn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var full = Dialect.Render([.. Before, .. turn], addGenerationPrompt: true);
        // What follows the end of the assistant turn: the policy's last token is that end (or the whole end is inserted).
        return (closeTurn ? Dialect.EndOfTurn : "") + full[AfterBefore(full)..];
    }

    /// <summary>The index in <paramref name="text"/> (<see cref="Before"/> and more, rendered) just after Before's last end-of-turn token.</summary>
    private int AfterBefore(string text)
    {
        var turns = Dialect.Render(Before).Split(Dialect.EndOfTurn).Length - 1;
        var at = 0;
        for (var k = 0; k < turns; k++)
        {
            at = text.IndexOf(Dialect.EndOfTurn, at, StringComparison.Ordinal);
            if (at < 0)
            {
                throw new InvalidOperationException($"the {Dialect} template renders fewer turns than it was given; inserted turns cannot be derived from it");
            }
            at += Dialect.EndOfTurn.Length;
        }
        return at;
    }

    private int[] Inserted(IReadOnlyList<ChatMessage> turn, bool closeTurn) => [.. Tokenizer.EncodeToIds(InsertedText(turn, closeTurn))];
}
