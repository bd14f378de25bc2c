using System.Collections.Concurrent;
using ToolRL.Data;
using ToolRL.Tokenization;

namespace ToolRL.Training.Rollout;

/// <summary>
/// Chat-template rendering and tokenization of prompts (cached per row: a prompt is encoded once per run), and
/// decoding of responses. The prompt is rendered with the generation prompt (<c>&lt;|im_start|&gt;assistant\n</c>),
/// so a response is exactly what follows it, ending with &lt;|im_end|&gt;. Prompts longer than
/// <c>max_prompt_length</c> keep their last tokens (verl's left truncation) so the generation prompt survives.
/// </summary>
public sealed class PromptEncoder(Qwen2Tokenizer tokenizer, int maxPromptLength)
{
    private readonly ConcurrentDictionary<RlRow, IReadOnlyList<int>> _cache = new(ReferenceEqualityComparer.Instance);

    /// <summary>The tokenizer.</summary>
    public Qwen2Tokenizer Tokenizer { get; } = tokenizer;

    /// <summary>Ids that end a response: &lt;|im_end|&gt; and &lt;|endoftext|&gt;.</summary>
    public IReadOnlyList<int> StopTokenIds { get; } = new[] { tokenizer.ImEndTokenId, tokenizer.EosTokenId, tokenizer.PadTokenId ?? tokenizer.EosTokenId }.Distinct().ToArray();

    /// <summary>The padding id used in batches (masked, never attended to).</summary>
    public int PadTokenId { get; } = tokenizer.PadTokenId ?? tokenizer.EosTokenId;

    /// <summary>The ids of a row's prompt.</summary>
    public IReadOnlyList<int> Encode(RlRow row) => _cache.GetOrAdd(row, r => Encode(r.Prompt));

    /// <summary>The ids of a conversation rendered with the generation prompt, truncated on the left to max_prompt_length.</summary>
    public IReadOnlyList<int> Encode(IReadOnlyList<ChatMessage> prompt)
    {
        var ids = Tokenizer.EncodeToIds(Tokenizer.ApplyChatTemplate(prompt, addGenerationPrompt: true));
        return ids.Count <= maxPromptLength ? ids : ids.Skip(ids.Count - maxPromptLength).ToArray();
    }

    /// <summary>The training target of an assistant answer: its ids followed by &lt;|im_end|&gt;, as the policy must produce it.</summary>
    public int[] EncodeResponse(string answer) => [.. Tokenizer.EncodeToIds(answer), Tokenizer.ImEndTokenId];

    /// <summary>The text of generated ids: special tokens (the final &lt;|im_end|&gt;) dropped, as verl decodes.</summary>
    public string DecodeResponse(IReadOnlyList<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);
}
