namespace ToolRL.Tokenization;

/// <summary>
/// A token matched verbatim in the input before pre-tokenization (tokenizer.json <c>added_tokens</c>).
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text that is matched.</param>
/// <param name="Special">Special tokens are dropped by <c>Decode(ids, skipSpecialTokens: true)</c> and are
/// only matched when special-token parsing is on; non-special added tokens (e.g. <c>&lt;tool_call&gt;</c>)
/// are always matched and always decoded.</param>
public sealed record AddedToken(int Id, string Content, bool Special)
{
    /// <summary>Whitespace on the left of the token is absorbed into it.</summary>
    public bool LeftStrip { get; init; }

    /// <summary>Whitespace on the right of the token is absorbed into it.</summary>
    public bool RightStrip { get; init; }

    /// <summary>Only matched when not touching a word character on either side.</summary>
    public bool SingleWord { get; init; }

    /// <summary>Whether tokenizer.json asks to match it on normalized text (Qwen: false for all).</summary>
    public bool Normalized { get; init; }
}
