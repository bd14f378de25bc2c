namespace ToolRL.Tokenization;

/// <summary>One token of an encoding, in the shape of Microsoft.ML.Tokenizers' <c>EncodedToken</c>.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Value">The token string as the vocabulary spells it (byte-level, e.g. "Ġworld"), or the
/// added token's content.</param>
/// <param name="Offset">The characters of the input string the token comes from. Byte-level tokens that
/// cover only part of a character's UTF-8 bytes are given the whole character.</param>
public readonly record struct EncodedToken(int Id, string Value, Range Offset);
