using System.Text.Json.Nodes;
using ToolRL.Rewards;

namespace ToolRL.Tokenization;

/// <summary>
/// A model family's chat dialect: how its chat template renders a conversation, how a turn ends, and how its replies
/// write tool calls. Everything that renders a prompt or reads a reply — RL prompt encoding, agent rollouts, serving,
/// <c>toolrl generate --chat</c> and <c>toolrl tokenize</c> — uses its tokenizer's dialect
/// (<see cref="Qwen2Tokenizer.ChatDialect"/>), chosen in one place, <see cref="Of"/>.
/// </summary>
public abstract class ChatDialect
{
    private protected ChatDialect()
    {
    }

    /// <summary>Qwen2.5 Instruct: ChatML turns, a default system prompt, <c>&lt;tool_call&gt;</c> blocks (hermes).</summary>
    public static ChatDialect Qwen25 { get; } = new Qwen25Dialect();

    /// <summary>Qwen3 (hybrid thinking): Qwen2.5's turns and calls, <c>&lt;think&gt;</c> handling, no default system prompt.</summary>
    public static ChatDialect Qwen3 { get; } = new Qwen3Dialect();

    /// <summary>Llama 3.1 / 3.2 Instruct: header turns ending in <c>&lt;|eot_id|&gt;</c>, a reply that is one JSON call.</summary>
    public static ChatDialect Llama3 { get; } = new Llama3Dialect();

    /// <summary>
    /// The dialect of <paramref name="tokenizer"/>'s model family, told by its special tokens: Llama 3's turns end with
    /// &lt;|eot_id|&gt;, Qwen3's vocabulary has the &lt;think&gt; token, anything else (Qwen2.5, tokenizers trained here) is
    /// Qwen2.5's. The one place the choice is made.
    /// </summary>
    public static ChatDialect Of(Qwen2Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.TokenToId(Qwen2Tokenizer.Llama3EndOfTurnToken) is { } eot && eot == tokenizer.ImEndTokenId)
        {
            return Llama3;
        }
        return tokenizer.AddedTokens.Any(t => t.Content == "<think>") ? Qwen3 : Qwen25;
    }

    /// <summary>A short name: <c>qwen2.5</c>, <c>qwen3</c>, <c>llama3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The marker that closes every turn (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>).</summary>
    public abstract string EndOfTurn { get; }

    /// <summary>What the template writes after <see cref="EndOfTurn"/> before the next turn (ChatML's <c>\n</c>; nothing for Llama 3).</summary>
    public abstract string AfterEndOfTurn { get; }

    /// <summary>The generation prompt: the assistant turn's opening, which a reply continues.</summary>
    public abstract string AssistantHeader { get; }

    /// <summary>
    /// Renders <paramref name="messages"/> and OpenAI-style function schemas <paramref name="tools"/> as the family's chat
    /// template does (transformers' <c>apply_chat_template</c>); with <paramref name="addGenerationPrompt"/> the text ends
    /// with <see cref="AssistantHeader"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The template refuses the conversation (the message says why).</exception>
    public abstract string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false);

    /// <summary>
    /// Reads a generated reply (special tokens removed) as the family writes it: its text content and its tool-call blocks in
    /// order (a block whose calls are empty was unreadable). A reply without calls is all content. Never throws.
    /// </summary>
    public abstract ParsedReply ReadReply(string reply);

    /// <summary>
    /// The text a reply calling <paramref name="name"/> starts with, through the key of its arguments; with
    /// <paramref name="takesNoArguments"/> the whole call (its only valid form). Used to force a call (<c>tool_choice</c>).
    /// </summary>
    public abstract string CallOpening(string name, bool takesNoArguments);

    /// <summary>
    /// Where the part of a reply still being generated that may turn out to be tool calls starts (<paramref name="partial"/>'s
    /// length when none can): a streaming server holds that part back until the reply is finished.
    /// </summary>
    public abstract int CallsMayStartAt(string partial);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A reply read by <see cref="ChatDialect.ReadReply"/>.</summary>
/// <param name="Content">The text outside the calls (the whole reply when there are none).</param>
/// <param name="Blocks">The tool-call blocks in order; a block without calls could not be read.</param>
public sealed record ParsedReply(string Content, IReadOnlyList<ToolCallSpan> Blocks);
