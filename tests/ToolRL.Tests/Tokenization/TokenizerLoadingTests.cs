using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>Loading paths (tokenizer.json, the vocab.json + merges.txt fallback) and refusal of bad files.</summary>
public sealed class TokenizerLoadingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-tok-" + Guid.NewGuid().ToString("N"));

    public TokenizerLoadingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void QwenFolderHasTheDocumentedIds()
    {
        var tokenizer = SharedQwenTokenizer.Instance;
        Assert.Equal(151665, tokenizer.VocabSize);
        Assert.Equal(151644, tokenizer.ImStartTokenId);
        Assert.Equal(151645, tokenizer.ImEndTokenId);
        Assert.Equal(151645, tokenizer.EosTokenId);
        Assert.Equal(151643, tokenizer.PadTokenId);
        Assert.Equal(14, tokenizer.SpecialTokens.Count);
        Assert.Equal(151657, tokenizer.TokenToId("<tool_call>"));
        Assert.False(tokenizer.IsSpecialToken(151657));
        Assert.Equal("Ġworld", tokenizer.IdToToken(1879));
        Assert.Equal(1879, tokenizer.TokenToId("Ġworld"));
        Assert.Null(tokenizer.IdToToken(151665));
        Assert.Null(tokenizer.TokenToId("not a token"));
    }

    [Fact]
    public void FallbackFilesGiveTheSameTokenizer()
    {
        foreach (var file in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(SharedQwenTokenizer.Folder, file), Path.Combine(_dir, file));
        }
        var slow = Qwen2Tokenizer.FromDirectory(_dir);
        AssertSameTokenizer(SharedQwenTokenizer.Instance, slow);
    }

    [Fact]
    public void FallbackWithAddedTokensJsonTakesSpecialFlagsFromTheSpecialTokensMap()
    {
        foreach (var file in new[] { "vocab.json", "merges.txt", "added_tokens.json", "special_tokens_map.json" })
        {
            File.Copy(Path.Combine(SharedQwenTokenizer.Folder, file), Path.Combine(_dir, file));
        }
        var slow = Qwen2Tokenizer.FromDirectory(_dir);
        AssertSameTokenizer(SharedQwenTokenizer.Instance, slow);
        Assert.True(slow.IsSpecialToken(151643));
        Assert.False(slow.IsSpecialToken(151657));
    }

    [Fact]
    public void SaveWritesAFolderThatReloadsIdentically()
    {
        SharedQwenTokenizer.Instance.Save(_dir);
        var reloaded = Qwen2Tokenizer.FromDirectory(_dir);
        AssertSameTokenizer(SharedQwenTokenizer.Instance, reloaded);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "tokenizer_config.json")))!;
        Assert.Equal("<|im_end|>", config["eos_token"]!.GetValue<string>());
        Assert.Equal("<|endoftext|>", config["pad_token"]!.GetValue<string>());
        Assert.Equal("Qwen2Tokenizer", config["tokenizer_class"]!.GetValue<string>());
    }

    [Fact]
    public void MissingFolderIsRefused()
    {
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromDirectory(Path.Combine(_dir, "nope")));
        Assert.Contains("directory not found", error.Message);
    }

    [Fact]
    public void EmptyFolderIsRefused()
    {
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromDirectory(_dir));
        Assert.Contains("neither tokenizer.json nor vocab.json + merges.txt", error.Message);
    }

    [Fact]
    public void TruncatedTokenizerJsonIsRefused()
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(SharedQwenTokenizer.Folder, "tokenizer.json"))[..5000]);
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromTokenizerJson(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {}}}""", "model.type is \"WordPiece\"")]
    [InlineData("""{"normalizer": {"type": "NFKC"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "normalizer is {\"type\": \"NFKC\"}")]
    [InlineData("""{"normalizer": null, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "pre_tokenizer is missing")]
    [InlineData("""{"normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "pre_tokenizer is")]
    [InlineData("""{"normalizer": {"type": "NFC"}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated"}, {"type": "ByteLevel"}]}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""", "only the Qwen2 split")]
    [InlineData("""{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []}}""", "byte_fallback is true")]
    public void ForeignPipelinesAreRefused(string json, string expected)
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromTokenizerJson(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void MergesOutsideTheVocabularyAreRefused()
    {
        var path = WriteQwenPipeline(vocab: ByteVocab(), merges: """["a b"]""", added: QwenAdded(256));
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromTokenizerJson(path));
        Assert.Contains("merge 0 (\"a b\") uses a token that is not in the vocabulary", error.Message);
    }

    [Fact]
    public void AVocabularyWithoutAllByteSymbolsIsRefused()
    {
        var vocab = ByteVocab();
        vocab.Remove("Ġ");
        var path = WriteQwenPipeline(vocab, "[]", QwenAdded(300));
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromTokenizerJson(path));
        Assert.Contains("byte 0x20", error.Message);
    }

    [Fact]
    public void ATokenizerWithoutChatTokensIsRefused()
    {
        var path = WriteQwenPipeline(ByteVocab(), "[]", "[]");
        var error = Assert.Throws<TokenizerFileException>(() => Qwen2Tokenizer.FromTokenizerJson(path));
        Assert.Contains("lacks the <|im_start|> token", error.Message);
    }

    [Fact]
    public void AMinimalByteLevelTokenizerEncodesBytes()
    {
        var path = WriteQwenPipeline(ByteVocab(), "[]", QwenAdded(256));
        var tokenizer = Qwen2Tokenizer.FromTokenizerJson(path);
        Assert.Equal(259, tokenizer.VocabSize);
        // '!' is id 0, 'a' is 64 and space 220 in the GPT-2 byte order.
        Assert.Equal([64, 220, 0, 257], tokenizer.EncodeToIds("a !<|im_end|>"));
    }

    private static void AssertSameTokenizer(Qwen2Tokenizer expected, Qwen2Tokenizer actual)
    {
        Assert.Equal(expected.VocabSize, actual.VocabSize);
        Assert.Equal(expected.EosTokenId, actual.EosTokenId);
        Assert.Equal(expected.PadTokenId, actual.PadTokenId);
        Assert.Equal(expected.MergeCount, actual.MergeCount);
        Assert.Equal(expected.SpecialTokens.OrderBy(p => p.Value), actual.SpecialTokens.OrderBy(p => p.Value));
        const string text = "<|im_start|>system\nHello 世界 <tool_call>{\"x\": 1}</tool_call> 12345 \r\n\r\n 😀<|im_end|>";
        Assert.Equal(expected.EncodeToIds(text), actual.EncodeToIds(text));
    }

    private static Dictionary<string, int> ByteVocab()
    {
        var vocab = new Dictionary<string, int>();
        var order = Enumerable.Range(33, 94).Concat(Enumerable.Range(161, 12)).Concat(Enumerable.Range(174, 82)).ToList();
        var shifted = 0;
        var symbols = new char[256];
        for (var b = 0; b < 256; b++)
        {
            symbols[b] = order.Contains(b) ? (char)b : (char)(256 + shifted++);
        }
        foreach (var b in order.Concat(Enumerable.Range(0, 256).Except(order)))
        {
            vocab[symbols[b].ToString()] = vocab.Count;
        }
        return vocab;
    }

    private static string QwenAdded(int firstId) =>
        $$"""[{"id": {{firstId}}, "content": "<|im_start|>", "special": true}, {"id": {{firstId + 1}}, "content": "<|im_end|>", "special": true}, {"id": {{firstId + 2}}, "content": "<|endoftext|>", "special": true}]""";

    private string WriteQwenPipeline(Dictionary<string, int> vocab, string merges, string added)
    {
        var pre = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Qwen2PreTokenizerPattern }, ["behavior"] = "Isolated", ["invert"] = false },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
        };
        var vocabJson = new JsonObject();
        foreach (var (token, id) in vocab)
        {
            vocabJson[token] = id;
        }
        var root = new JsonObject
        {
            ["added_tokens"] = JsonNode.Parse(added),
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = pre,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocabJson, ["merges"] = JsonNode.Parse(merges) },
        };
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    private const string Qwen2PreTokenizerPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
}
