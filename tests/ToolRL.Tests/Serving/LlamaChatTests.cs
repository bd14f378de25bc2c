using System.Text.Json.Nodes;
using ToolRL.Serving;
using ToolRL.Tests.Models;
using ToolRL.Tests.Tokenization;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Serving;

/// <summary>
/// A random Llama checkpoint made here (tools/model/qwen2_eager.py) with Meta's Llama 3.2 tokenizer files: serving,
/// <c>toolrl generate --chat</c> and <c>toolrl tokenize</c> render the Llama 3 prompt, and a reply in its JSON call
/// form comes back as a tool call.
/// </summary>
public sealed class LlamaChatTests : IClassFixture<LlamaChatTests.RandomLlama>
{
    private readonly RandomLlama _llama;

    public LlamaChatTests(RandomLlama llama) => _llama = llama;

    /// <summary>A one-layer Llama with the real 128,256-id vocabulary, and the tokenizer files beside it.</summary>
    public sealed class RandomLlama : IDisposable
    {
        public string Dir { get; } = Path.Combine(Path.GetTempPath(), "toolrl-random-llama-" + Guid.NewGuid().ToString("N"));

        public RandomLlama()
        {
            var tokenizer = ChatDialectTests.Load("llama3.2");   // fails with the fix when the files were not fetched
            FamilyScoreCommandTests.Python(["make", Dir, "--arch", "llama", "--hidden", "16", "--layers", "1", "--heads", "2", "--kv", "1",
                "--inter", "32", "--vocab", tokenizer.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "31"]);
            var source = ToolRL.Testing.TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "llama3.2");
            foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            {
                File.Copy(Path.Combine(source, file), Path.Combine(Dir, file));
            }
        }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    private static readonly JsonObject Ping = JsonNode.Parse("""
        {"type": "function", "function": {"name": "ping", "description": "Checks the server.", "parameters": {"type": "object", "properties": {}}}}
        """)!.AsObject();

    [Fact]
    public async Task Served_llama_renders_its_prompt_and_returns_its_json_call_as_a_tool_call()
    {
        using var policy = ChatPolicy.Load(_llama.Dir);
        Assert.Same(ChatDialect.Llama3, policy.Tokenizer.ChatDialect);
        ChatMessage[] messages = [new("user", "Is the server up?")];
        var prompt = ChatPolicy.RenderPrompt(messages, [Ping], policy.Tokenizer.ChatDialect);
        Assert.Equal(Llama3ChatTemplate.Render(messages, [Ping], addGenerationPrompt: true), prompt);
        Assert.Equal(policy.Tokenizer.EncodeToIds(prompt), policy.EncodePrompt(messages, [Ping]));

        // tool_choice forces the call as the Llama template writes it; cut where the call is complete, the reply is that call.
        var opening = ChatDialect.Llama3.CallOpening("ping", takesNoArguments: true);
        var sampling = new ChatSampling { Temperature = 0, MaxTokens = 32 };
        var forced = (await policy.CompleteAsync(messages, [Ping], sampling, ToolChoice.Function("ping")))[0];
        var callTokens = Enumerable.Range(1, forced.CompletionIds.Count)
            .FirstOrDefault(n => policy.Tokenizer.Decode(forced.CompletionIds.Take(n), skipSpecialTokens: true) == opening);
        Assert.True(callTokens > 0, $"the forced reply does not pass through the opening: {string.Join(" | ", forced.CompletionIds.Select(id => policy.Tokenizer.Decode([id], skipSpecialTokens: false)))}");
        var reply = (await policy.CompleteAsync(messages, [Ping], sampling with { MaxTokens = callTokens }, ToolChoice.Function("ping")))[0];
        Assert.Equal("", reply.Content);
        var call = Assert.Single(reply.ToolCalls);
        Assert.Equal("ping", call.Name);
        Assert.Empty(call.Arguments);
    }

    [Fact]
    public void Generate_with_chat_renders_the_llama_prompt()
    {
        var tokenizer = Qwen2Tokenizer.FromDirectory(_llama.Dir);
        var promptTokens = tokenizer.EncodeToIds(Llama3ChatTemplate.Render([new ChatMessage("user", "Hi")], addGenerationPrompt: true)).Count;
        var (code, _, err) = Runs.Cli.Run("generate", "--model", _llama.Dir, "--prompt", "Hi", "--chat", "--max-new-tokens", "2");
        Assert.True(code == 0, err);
        Assert.Contains($"(prompt {promptTokens} tokens, llama3 chat template)", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_renders_chat_lines_with_the_llama_template()
    {
        var input = Path.Combine(_llama.Dir, "chat.jsonl");
        var output = Path.Combine(_llama.Dir, "chat.ids.jsonl");
        File.WriteAllText(input, """{"messages": [{"role": "user", "content": "Weather?"}], "tools": [{"type": "function", "function": {"name": "ping", "parameters": {}}}]}""" + "\n");
        var (code, _, err) = Runs.Cli.Run("tokenize", "--tokenizer", _llama.Dir, "--input", input, "--output", output);
        Assert.True(code == 0, err);
        var row = JsonNode.Parse(File.ReadAllLines(output).Single())!;
        var tools = new[] { JsonNode.Parse("""{"type": "function", "function": {"name": "ping", "parameters": {}}}""")!.AsObject() };
        var expected = Llama3ChatTemplate.Render([new ChatMessage("user", "Weather?")], tools, addGenerationPrompt: true);
        Assert.Equal(expected, row["text"]!.GetValue<string>());
        Assert.Equal(Qwen2Tokenizer.FromDirectory(_llama.Dir).EncodeToIds(expected), row["ids"]!.AsArray().Select(i => i!.GetValue<int>()));
    }
}
