using System.Text.Json.Nodes;
using ToolRL.Cli;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary><c>toolrl tokenize</c> and <c>toolrl tokenizer train</c> end to end.</summary>
public sealed class TokenizerCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-cli-" + Guid.NewGuid().ToString("N"));

    public TokenizerCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TokenizeAddsIdsToTextLinesAndPromptAndIdsToChatLines()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input,
        [
            """{"id": 1, "text": "Hello world"}""",
            "",
            """{"id": 2, "messages": [{"role": "user", "content": "What is the capital of France?"}]}""",
            """{"id": 3, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f"}}]}""",
        ]);
        Assert.Equal(0, Run("tokenize", "--tokenizer", SharedQwenTokenizer.Folder, "--input", input, "--output", output));
        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal([9707, 1879], Ids(rows[0]));
        Assert.Equal(1, rows[0]["id"]!.GetValue<int>());
        // The chat golden: default system prompt, generation prompt, 36 ids.
        Assert.Equal(36, Ids(rows[1]).Count);
        Assert.EndsWith("<|im_start|>assistant\n", rows[1]["text"]!.GetValue<string>());
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"f\"}}\n</tools>", rows[2]["text"]!.GetValue<string>());
        Assert.Equal(SharedQwenTokenizer.Instance.EncodeToIds(rows[2]["text"]!.GetValue<string>()), Ids(rows[2]));
    }

    [Fact]
    public void TokenizeRefusesABadLineAndWritesNothing()
    {
        var input = Path.Combine(_dir, "in.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input, ["""{"text": "ok"}""", """{"messages": [{"role": "user", "content": 5}]}"""]);
        Assert.Equal(1, Run("tokenize", "--tokenizer", SharedQwenTokenizer.Folder, "--input", input, "--output", output));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void TrainWritesALoadableTokenizer()
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        var lines = Enumerable.Range(0, 300).Select(i => $"<tool_call>\n{{\"name\": \"get_weather\", \"arguments\": {{\"city\": \"Paris\", \"day\": {i % 7}}}}}\n</tool_call>");
        File.WriteAllLines(corpus, lines);
        var output = Path.Combine(_dir, "tok");
        Assert.Equal(0, Run("tokenizer", "train", "--corpus", corpus, "--vocab-size", "280", "--output", output));
        var tokenizer = Qwen2Tokenizer.FromDirectory(output);
        Assert.Equal(280, tokenizer.VocabSize);
        var sample = File.ReadAllText(corpus);
        Assert.Equal(sample, tokenizer.Decode(tokenizer.EncodeToIds(sample)));
        Assert.True(tokenizer.CountTokens(sample) < sample.Length / 2, $"{tokenizer.CountTokens(sample)} tokens for {sample.Length} chars");
    }

    [Fact]
    public void TrainRefusesATooSmallVocabulary()
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(corpus, "abc\n");
        Assert.Equal(1, Run("tokenizer", "train", "--corpus", corpus, "--vocab-size", "100", "--output", Path.Combine(_dir, "tok")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "tok")));
    }

    private static int Run(params string[] args) => Program.Run(args);

    private static List<int> Ids(JsonObject row) => row["ids"]!.AsArray().Select(i => i!.GetValue<int>()).ToList();
}
