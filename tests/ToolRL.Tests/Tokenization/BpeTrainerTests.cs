using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ToolRL.Data;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>The BPE trainer on text the repository carries (synthetic tool-calling rows and the docs).</summary>
public sealed class BpeTrainerTests
{
    private static readonly Lazy<List<string>> Corpus = new(LoadCorpus);
    private static readonly Lazy<List<string>> RllaCorpus = new(LoadRllaCorpus);
    private static readonly Lazy<Qwen2Tokenizer> Trained = new(() => BpeTrainer.Train(Corpus.Value, 2048));

    [Fact]
    public void ReachesTheRequestedVocabSizeWithQwenAddedTokensLast()
    {
        var tokenizer = Trained.Value;
        Assert.Equal(2048, tokenizer.VocabSize);
        Assert.Equal(2043, tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal(2044, tokenizer.ImStartTokenId);
        Assert.Equal(2045, tokenizer.ImEndTokenId);
        Assert.Equal(2045, tokenizer.EosTokenId);
        Assert.Equal(2043, tokenizer.PadTokenId);
        Assert.Equal(2046, tokenizer.TokenToId("<tool_call>"));
        Assert.False(tokenizer.IsSpecialToken(2046));
        // Byte symbols keep Qwen2's ids: '!' = 0, space 'Ġ' = 220, newline 'Ċ' = 198.
        Assert.Equal(0, tokenizer.TokenToId("!"));
        Assert.Equal(220, tokenizer.TokenToId("Ġ"));
        Assert.Equal(198, tokenizer.TokenToId("Ċ"));
    }

    [Fact]
    public void RoundTripsAndCompressesItsCorpus()
    {
        var tokenizer = Trained.Value;
        long bytes = 0, tokens = 0;
        foreach (var document in Corpus.Value)
        {
            var ids = tokenizer.EncodeToIds(document);
            Assert.Equal(document.Normalize(NormalizationForm.FormC), tokenizer.Decode(ids));
            bytes += Encoding.UTF8.GetByteCount(document);
            tokens += ids.Count;
        }
        // Over 3 bytes per token at vocab 2048 on this corpus; bytes alone would be 1.0.
        Assert.True((double)bytes / tokens > 3.0, $"only {(double)bytes / tokens:F2} bytes per token");
    }

    [Fact]
    public void AddedTokensInTheCorpusAreMatchedNotLearned()
    {
        var tokenizer = Trained.Value;
        var ids = tokenizer.EncodeToIds("<|im_start|>user\nhi<|im_end|><tool_call>");
        Assert.Equal(tokenizer.ImStartTokenId, ids[0]);
        Assert.Contains(tokenizer.ImEndTokenId, ids);
        Assert.Equal(tokenizer.TokenToId("<tool_call>"), ids[^1]);
        Assert.DoesNotContain(Enumerable.Range(0, tokenizer.VocabSize - 5).Select(tokenizer.IdToToken), t => t!.Contains("im_start"));
    }

    [Fact]
    public void SavedTokenizerReloadsWithIdenticalIds()
    {
        var dir = Path.Combine(Path.GetTempPath(), "toolrl-bpe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Trained.Value.Save(dir);
            var reloaded = Qwen2Tokenizer.FromDirectory(dir);
            Assert.Equal(Trained.Value.VocabSize, reloaded.VocabSize);
            Assert.Equal(Trained.Value.EosTokenId, reloaded.EosTokenId);
            foreach (var document in Corpus.Value.Take(40))
            {
                Assert.Equal(Trained.Value.EncodeToIds(document), reloaded.EncodeToIds(document));
            }
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")));
            Assert.Equal("<|im_end|>", config.RootElement.GetProperty("eos_token").GetString());
            Assert.Equal(Qwen25ChatTemplate.JinjaSource, config.RootElement.GetProperty("chat_template").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [ReferenceFact]
    public void SavedFileIsReadByAnIndependentLoaderWithIdenticalIds()
    {
        // trained_cases.json: the same training run through `toolrl tokenizer train`, its tokenizer.json
        // loaded by @lenml/tokenizers (tools/tokenizer/gen-trained-fixtures.mjs).
        using var fixture = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "trained_cases.json")));
        var tokenizer = BpeTrainer.Train(RllaCorpus.Value, 1024);
        var dir = Path.Combine(Path.GetTempPath(), "toolrl-bpe-" + Guid.NewGuid().ToString("N"));
        try
        {
            tokenizer.Save(dir);
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, "tokenizer.json"))));
            Assert.Equal(fixture.RootElement.GetProperty("tokenizer_json_sha256").GetString(), sha);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        var cases = fixture.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(14, cases.Count);
        foreach (var c in cases)
        {
            var text = c.TryGetProperty("document", out var index) ? RllaCorpus.Value[index.GetInt32()] : c.GetProperty("text").GetString()!;
            Assert.Equal(c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), tokenizer.EncodeToIds(text));
        }
    }

    [Fact]
    public void TrainingIsDeterministic()
    {
        var again = BpeTrainer.Train(Corpus.Value, 2048);
        for (var id = 0; id < again.VocabSize; id++)
        {
            Assert.Equal(Trained.Value.IdToToken(id), again.IdToToken(id));
        }
    }

    [Fact]
    public void ProgressGoesToTheGivenLogger()
    {
        // "ab ab" and "cd" pre-tokenize to "ab", " ab", "cd": 3 distinct pieces; only the pair (a, b) is seen twice,
        // so training stops after 1 merge, far from the every-1,000-merges note.
        var small = new FakeLogger();
        BpeTrainer.Train(["ab ab", "cd"], 300, new BpeTrainerOptions { Logger = small });
        var counted = Assert.Single(small.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Information, counted.Level);
        Assert.Equal("bpe: 3 distinct pre-tokens", counted.Message);

        var large = new FakeLogger();
        var tokenizer = BpeTrainer.Train(Corpus.Value, 1400, new BpeTrainerOptions { Logger = large });
        Assert.True(tokenizer.MergeCount is >= 1000 and < 2000, $"{tokenizer.MergeCount} merges");
        var notes = large.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Equal(2, notes.Count);
        Assert.StartsWith("bpe: 1000 merges, vocab ", notes[1], StringComparison.Ordinal);
    }

    [Fact]
    public void RefusesAVocabTooSmallForBytesAndAddedTokens()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["abc"], 260));
        Assert.Contains("at least 261", error.Message);
    }

    /// <summary>
    /// Text the repository carries: the synthetic task's rows with the full rlla instruction text (tool calls) and the
    /// paragraphs of docs/*.md (prose, code and tables), for a vocabulary richer than the task's word lists.
    /// </summary>
    private static List<string> LoadCorpus()
    {
        var rows = SyntheticToolTask.Generate(200, seed: 13, SyntheticTaskOptions.Default with { Instructions = SyntheticInstructions.Full });
        var paragraphs = Directory.GetFiles(TestPaths.InRepo("docs"), "*.md").Order(StringComparer.Ordinal)
            .SelectMany(file => File.ReadAllText(file).Split("\n\n", StringSplitOptions.RemoveEmptyEntries));
        return [.. SyntheticToolTask.CorpusTexts(rows), .. paragraphs];
    }

    /// <summary>The rlla test split's messages and ground truths (reference data), the corpus of trained_cases.json.</summary>
    private static List<string> LoadRllaCorpus()
    {
        var documents = new List<string>();
        foreach (var line in File.ReadLines(TestPaths.Reference("data", "rlla", "test.jsonl")))
        {
            using var row = JsonDocument.Parse(line);
            foreach (var message in row.RootElement.GetProperty("prompt").EnumerateArray())
            {
                documents.Add(message.GetProperty("content").GetString()!);
            }
            documents.Add(row.RootElement.GetProperty("reward_model").GetProperty("ground_truth").GetString()!);
        }
        return documents;
    }
}
