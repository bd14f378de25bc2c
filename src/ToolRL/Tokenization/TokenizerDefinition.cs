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
}
