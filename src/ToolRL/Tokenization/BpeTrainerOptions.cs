using Microsoft.Extensions.Logging;

namespace ToolRL.Tokenization;

/// <summary>Options of <see cref="BpeTrainer"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>
    /// The Qwen2.5 added tokens a trained tokenizer carries: &lt;|endoftext|&gt; (pad), &lt;|im_start|&gt; and
    /// &lt;|im_end|&gt; (EOS) as special tokens, &lt;tool_call&gt; and &lt;/tool_call&gt; as non-special
    /// added tokens (kept on decode, as in Qwen2.5). Tags such as &lt;think&gt; or &lt;tool_response&gt; stay
    /// ordinary text, as they are in Qwen2.5, so a small model learns them as merges.
    /// </summary>
    public static IReadOnlyList<(string Content, bool Special)> QwenAddedTokens { get; } =
    [
        (Qwen2Tokenizer.EndOfTextToken, true),
        (Qwen2Tokenizer.ImStartToken, true),
        (Qwen2Tokenizer.ImEndToken, true),
        ("<tool_call>", false),
        ("</tool_call>", false),
    ];

    /// <summary>A pair seen fewer times than this is never merged (training stops early instead).</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Added tokens (content, special) given the ids after the BPE vocabulary, in this order.</summary>
    public IReadOnlyList<(string Content, bool Special)> AddedTokens { get; init; } = QwenAddedTokens;

    /// <summary>Optional progress messages (distinct pre-tokens counted, every 1,000 merges), at Information level.</summary>
    public ILogger? Logger { get; init; }
}
