using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// The hand-written Qwen2 split on cases the JavaScript reference cannot check (its regex engine differs
/// from Oniguruma there) and on the pattern's trickier branches.
/// </summary>
public sealed class PreTokenizerTests
{
    [Theory]
    // \s+(?!\S) leaves the last space to the next word; \s*[\r\n]+ ends at the last newline of a run.
    [InlineData("a   b", new[] { "a", "  ", " b" })]
    [InlineData("a \r\n  b", new[] { "a", " \r\n", " ", " b" })]
    [InlineData("x  \n\n\t", new[] { "x", "  \n\n", "\t" })]
    // One digit per piece, including digits outside the BMP.
    [InlineData("12𝟘", new[] { "1", "2", "𝟘" })]
    // Supplementary-plane letters are letters, and may be preceded by one non-letter.
    [InlineData("𠀀𠀁 .𝐀 .𝐁", new[] { "𠀀𠀁", " .", "𝐀", " .", "𝐁" })]
    [InlineData(".𝐀𝐁 \t𝐀", new[] { ".𝐀𝐁", " ", "\t𝐀" })]
    // Punctuation swallows following newlines; a leading space joins punctuation.
    [InlineData("ok!!\r\n\nnext", new[] { "ok", "!!\r\n\n", "next" })]
    [InlineData("a ...b", new[] { "a", " ...", "b" })]
    // Contractions are case-insensitive; U+017F (long s) case-folds to 's' in Oniguruma.
    [InlineData("it'S we'LL x'ſ", new[] { "it", "'S", " we", "'LL", " x", "'ſ" })]
    // U+FEFF is not White_Space for Oniguruma (it is for JavaScript's \s).
    [InlineData("a\uFEFFb c", new[] { "a", "\uFEFFb", " c" })]
    public void SplitsLikeTheQwenPattern(string text, string[] expected)
    {
        var pieces = new List<Range>();
        Qwen2PreTokenizer.Split(text, pieces);
        Assert.Equal(expected, pieces.Select(r => text[r]));
    }

    [Fact]
    public void LoneSurrogatesAreSymbolsAndDecodeAsReplacementCharacters()
    {
        var text = "a\uD800b";
        var ids = SharedQwenTokenizer.Instance.EncodeToIds(text);
        Assert.Equal("a\uFFFDb", SharedQwenTokenizer.Instance.Decode(ids));
    }
}
