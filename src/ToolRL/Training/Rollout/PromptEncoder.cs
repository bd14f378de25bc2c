using System.Collections.Concurrent;
using ToolRL.Algorithms;
using ToolRL.Data;
using ToolRL.Rewards;
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

    /// <summary>
    /// The argument-value spans of a response (<see cref="ToolCallArgumentSpans"/> against the row's ground truth) as
    /// runs of response tokens: a token belongs to a value when any of the bytes it decodes to does.
    /// </summary>
    public IReadOnlyList<CreditSpan> ArgumentCreditSpans(RlRow row, IReadOnlyList<int> responseIds, string responseText)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(responseIds);
        var values = ToolCallArgumentSpans.Find(responseText, row.GroundTruth);
        if (values.Count == 0)
        {
            return [];
        }
        var ends = new int[responseIds.Count];
        for (int t = 0, at = 0; t < ends.Length; t++)
        {
            at += Tokenizer.DecodedByteCount(responseIds[t], skipSpecialTokens: true);
            ends[t] = at;
        }
        var spans = new List<CreditSpan>(values.Count);
        foreach (var value in values)
        {
            // First token ending after the value starts, through the first token ending at or after its end.
            var first = Array.FindIndex(ends, e => e > value.ByteStart);
            var last = Array.FindIndex(ends, e => e >= value.ByteStart + value.ByteLength);
            if (first >= 0 && last >= first)
            {
                spans.Add(new CreditSpan(first, last - first + 1, value.Key, value.Correct ? 1 : 0));
            }
        }
        return spans;
    }

    /// <summary>The text of generated ids: special tokens (the final &lt;|im_end|&gt;) dropped, as verl decodes.</summary>
    public string DecodeResponse(IReadOnlyList<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);
}
