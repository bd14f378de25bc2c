using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// Conversations rendered by the real chat_template.jinja through @huggingface/jinja and encoded by
/// @lenml/tokenizers (tools/tokenizer/gen-chat-fixtures.mjs), against <see cref="Qwen25ChatTemplate"/>.
/// </summary>
public sealed class ChatTemplateTests
{
    private static readonly Lazy<List<JsonObject>> Cases = new(() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "chat_cases.json")))!["cases"]!
            .AsArray().Select(c => c!.AsObject()).ToList());

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Value)
        {
            data.Add(c["name"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RendersLikeJinjaAndEncodesLikeReference(string name)
    {
        var c = Cases.Value.Single(x => x["name"]!.GetValue<string>() == name);
        var messages = ChatJson.ParseMessages(c["messages"], name);
        var tools = ChatJson.ParseTools(c["tools"], name);
        var rendered = Qwen25ChatTemplate.Render(messages, tools, c["add_generation_prompt"]!.GetValue<bool>());
        Assert.Equal(c["rendered"]!.GetValue<string>(), rendered);
        Assert.Equal(c["ids"]!.AsArray().Select(i => i!.GetValue<int>()), SharedQwenTokenizer.Instance.EncodeToIds(rendered));
    }

    [ReferenceFact]
    public void EmbeddedTemplateSourceIsTheShippedJinjaFile()
    {
        Assert.Equal(Qwen25ChatTemplate.JinjaSource, File.ReadAllText(TestPaths.Reference("models", "qwen2.5-tokenizer", "chat_template.jinja")));
        Assert.Equal(Qwen25ChatTemplate.JinjaSource, Qwen2Tokenizer.FromDirectory(TestPaths.Reference("models", "qwen2.5-tokenizer")).ChatTemplate);
    }

    [Fact]
    public void EmptyConversationIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Qwen25ChatTemplate.Render([]));
        Assert.Contains("at least one message", error.Message);
    }

    [Fact]
    public void MalformedMessagesNameTheField()
    {
        var error = Assert.Throws<FormatException>(() => ChatJson.ParseMessages(JsonNode.Parse("""[{"role": "user", "content": 5}]"""), "data.jsonl:7"));
        Assert.Equal("data.jsonl:7: messages[0].content must be a string, got 5", error.Message);
        error = Assert.Throws<FormatException>(() => ChatJson.ParseMessages(JsonNode.Parse("""[{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}]"""), "x"));
        Assert.Contains("messages[0].tool_calls[0].arguments", error.Message);
    }

    [Fact]
    public void ArgumentsGivenAsJsonStringAreParsed()
    {
        var messages = ChatJson.ParseMessages(JsonNode.Parse("""[{"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{\"a\": 1.0}"}}]}]"""), "x");
        var rendered = Qwen25ChatTemplate.Render(messages);
        Assert.EndsWith("<|im_start|>assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1.0}}\n</tool_call><|im_end|>\n", rendered);
    }
}
