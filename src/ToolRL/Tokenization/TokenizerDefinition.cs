namespace ToolRL.Tokenization;

/// <summary>
/// Everything a byte-level BPE tokenizer folder describes, independent of the file layout it came from
/// (tokenizer.json, or vocab.json + merges.txt + added tokens) and of the one it is saved to.
/// </summary>
/// <param name="Vocab">Model vocabulary: byte-level token string → id.</param>
/// <param name="Merges">Merge rules in rank order (left, right), as byte-level strings.</param>
/// <param name="AddedTokens">Tokens matched verbatim before pre-tokenization.</param>
internal sealed record TokenizerDefinition(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens)
{
    /// <summary>tokenizer_config.json <c>eos_token</c>, when known.</summary>
    public string? EosToken { get; init; }

    /// <summary>tokenizer_config.json <c>pad_token</c>, when known.</summary>
    public string? PadToken { get; init; }

    /// <summary>tokenizer_config.json <c>chat_template</c>, when known.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>tokenizer_config.json <c>model_max_length</c>, when known.</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary>tokenizer.json <c>normalizer</c> NFC (Qwen); false for none (Llama 3).</summary>
    public bool NfcNormalize { get; init; } = true;

    /// <summary>Longest digit run of one pre-token: 1 for the Qwen2 split (<c>\p{N}</c>), 3 for Llama 3's (<c>\p{N}{1,3}</c>).</summary>
    public int MaxDigitRun { get; init; } = 1;

    /// <summary>BPE <c>ignore_merges</c> (Llama 3): a pre-token that is itself a vocabulary entry becomes that one token.</summary>
    public bool IgnoreMerges { get; init; }
}
