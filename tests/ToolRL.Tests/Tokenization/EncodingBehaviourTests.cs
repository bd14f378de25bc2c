using System.Text;
using ToolRL.Data;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>Offsets, special-token parsing, decoding options and thread safety of <see cref="Qwen2Tokenizer"/>.</summary>
public sealed class EncodingBehaviourTests
{
    private static Qwen2Tokenizer Tokenizer => SharedQwenTokenizer.Instance;

    [Fact]
    public void TokensCarryTheirStringsAndOffsets()
    {
        const string text = "Hello world<|im_end|>\n";
        var tokens = Tokenizer.EncodeToTokens(text);
        Assert.Equal(
            [new EncodedToken(9707, "Hello", 0..5), new EncodedToken(1879, "Ġworld", 5..11), new EncodedToken(151645, "<|im_end|>", 11..21), new EncodedToken(198, "Ċ", 21..22)],
            tokens);
    }

    [Fact]
    public void OffsetsOfByteFragmentsCoverTheWholeCharacter()
    {
        // " 🚀🔥" encodes to [11162, 248, 222, 144670] (golden): "Ġ" plus the rocket's first two bytes, then
        // its last two bytes one by one, then the fire emoji.
        const string text = " 🚀🔥";
        var tokens = Tokenizer.EncodeToTokens(text);
        Assert.Equal([11162, 248, 222, 144670], tokens.Select(t => t.Id));
        Assert.Equal([0..3, 1..3, 1..3, 3..5], tokens.Select(t => t.Offset));
    }

    [Fact]
    public void OffsetsPointIntoTheOriginalTextWhenNfcChangesIt()
    {
        // "e\u0301" (2 chars) becomes "é" (1 char) before tokenization; offsets still index the input.
        const string text = "cafe\u0301 ok";
        var tokens = Tokenizer.EncodeToTokens(text);
        Assert.Equal(Tokenizer.EncodeToIds(text), tokens.Select(t => t.Id));
        Assert.Equal(0, tokens[0].Offset.Start.Value);
        Assert.Equal(text.Length, tokens[^1].Offset.End.Value);
        Assert.Equal(" ok", text[tokens[^1].Offset]);
    }

    [Fact]
    public void OffsetsOfRllaPromptsReassembleTheText()
    {
        foreach (var text in PromptTexts().Take(20))
        {
            var tokens = Tokenizer.EncodeToTokens(text);
            var builder = new StringBuilder();
            var end = 0;
            foreach (var token in tokens)
            {
                Assert.True(token.Offset.Start.Value <= end, "offsets must not skip characters");
                if (token.Offset.End.Value > end)
                {
                    builder.Append(text[end..token.Offset.End.Value]);
                    end = token.Offset.End.Value;
                }
            }
            Assert.Equal(text, builder.ToString());
        }
    }

    [Fact]
    public void SpecialTokensCanBeTreatedAsText()
    {
        const string text = "<|im_start|>user<tool_call>";
        var parsed = Tokenizer.EncodeToIds(text);
        Assert.Equal([151644, 872, 151657], parsed);
        var literal = Tokenizer.EncodeToIds(text, parseSpecialTokens: false);
        // Like Hugging Face split_special_tokens=True: special tokens become text, non-special added ones stay.
        Assert.Equal(151657, literal[^1]);
        Assert.DoesNotContain(151644, literal);
        Assert.Equal(text, Tokenizer.Decode(literal));
        Assert.Equal(literal.Count, Tokenizer.CountTokens(text, parseSpecialTokens: false));
    }

    [Fact]
    public void DecodeCanSkipSpecialTokensButKeepsToolCallTags()
    {
        var ids = Tokenizer.EncodeToIds("<|im_start|>assistant\n<tool_call>\n{}\n</tool_call><|im_end|><|endoftext|>");
        Assert.Equal("assistant\n<tool_call>\n{}\n</tool_call>", Tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void DecodeSkipsIdsBeyondTheTokenizerAndReplacesBrokenUtf8()
    {
        // 151700 is inside a Qwen2.5 model's 151,936-row embedding but not a token: Hugging Face skips it.
        Assert.Equal("Hello", Tokenizer.Decode([9707, 151700, -1]));
        // The first byte-token of the rocket alone is an incomplete UTF-8 sequence.
        Assert.Equal(" \uFFFD", Tokenizer.Decode([11162]));
    }

    [Fact]
    public void ConcurrentEncodingGivesTheSequentialIds()
    {
        var tokenizer = Qwen2Tokenizer.FromDirectory(SharedQwenTokenizer.Folder);
        var texts = PromptTexts().Take(120).ToList();
        var expected = texts.Select(t => SharedQwenTokenizer.Instance.EncodeToIds(t)).ToList();
        var actual = new IReadOnlyList<int>[texts.Count];
        Parallel.For(0, texts.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => actual[i % texts.Count] = tokenizer.EncodeToIds(texts[i % texts.Count]));
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>Prompt texts of the synthetic task with the full rlla instruction text.</summary>
    private static IEnumerable<string> PromptTexts() =>
        SyntheticToolTask.Generate(40, seed: 7, SyntheticTaskOptions.Default with { Instructions = SyntheticInstructions.Full })
            .SelectMany(row => row.Prompt.Select(message => message.Content));
}
