using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Generation;
using ToolRL.Serving;
using ToolRL.Tests.Models;
using ToolRL.Tokenization;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ToolChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Serving;

/// <summary>The in-process IChatClient on the tiny random Qwen2 model.</summary>
public sealed class PolicyChatClientTests : IClassFixture<TinyPolicyFixture>
{
    private readonly ChatPolicy _policy;

    public PolicyChatClientTests(TinyPolicyFixture fixture) => _policy = fixture.Policy;

    [Fact]
    public void History_with_a_call_and_its_result_renders_as_the_template_writes_it()
    {
        AiChatMessage[] messages =
        [
            new(ChatRole.User, "weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris", ["days"] = 2 })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "sunny")]),
        ];
        var (history, tools) = PolicyChatClient.ToPrompt(messages, null);
        Assert.Empty(tools);
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nweather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n",
            ToolRL.Tokenization.ChatDialect.Qwen25.Render(history, tools, addGenerationPrompt: true));
    }

    [Fact]
    public void Tools_go_into_the_system_prompt_unless_the_mode_is_none()
    {
        var tool = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Current weather of a city.");
        var (_, tools) = PolicyChatClient.ToPrompt([new(ChatRole.User, "hi")], new ChatOptions { Tools = [tool] });
        var function = Assert.Single(tools)["function"]!;
        Assert.Equal("get_weather", function["name"]!.GetValue<string>());
        Assert.Equal("string", function["parameters"]!["properties"]!["city"]!["type"]!.GetValue<string>());
        var (_, none) = PolicyChatClient.ToPrompt([new(ChatRole.User, "hi")], new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.None });
        Assert.Empty(none);
    }

    [Fact]
    public async Task Greedy_reply_equals_the_generate_path_on_the_same_prompt()
    {
        using var client = new PolicyChatClient(_policy);
        var response = await client.GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 12 });

        // What `toolrl generate --chat --temperature 0 --max-new-tokens 12` runs for the same prompt.
        var ids = _policy.Tokenizer.EncodeToIds(Qwen25ChatTemplate.Render([new ToolChatMessage("user", "hello")], addGenerationPrompt: true));
        var model = _policy.Model;
        var options = GenerationOptions.From(model.GenerationConfig, model.Config) with
        {
            MaxNewTokens = 12, Temperature = 0, DoSample = false,
            EosTokenIds = [.. model.GenerationConfig!.EosTokenIds, _policy.Tokenizer.ImEndTokenId],
        };
        var expected = Sampler.Generate(model, [ids], options, decode: t => _policy.Tokenizer.Decode(t, skipSpecialTokens: true))[0];

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Text, _policy.Complete([new ToolChatMessage("user", "hello")], null, new ChatSampling { Temperature = 0, MaxTokens = 12 }).Content);
        Assert.Equal(ids.Count, response.Usage!.InputTokenCount);
        Assert.Equal(expected.TokenIds.Count, response.Usage.OutputTokenCount);
        Assert.Equal(expected.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal("tiny", response.ModelId);
    }

    [Fact]
    public async Task Same_seed_same_sample_and_prompt_over_the_context_is_refused()
    {
        using var client = new PolicyChatClient(_policy);
        var options = new ChatOptions { Temperature = 1, MaxOutputTokens = 8, Seed = 7 };
        var a = await client.GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")], options);
        var b = await client.GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")], options);
        Assert.Equal(a.Text, b.Text);
        await Assert.ThrowsAsync<PromptTooLongException>(() => client.GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")],
            new ChatOptions { MaxOutputTokens = _policy.ContextLength }));
    }

    [Fact]
    public void A_tool_call_reply_becomes_function_call_content()
    {
        var (content, calls) = ChatPolicy.ReadReply(
            "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>", toolsOffered: true, ToolRL.Tokenization.ChatDialect.Qwen25);
        Assert.Equal("Let me check.", content);
        var response = PolicyChatClient.ToResponse(new ChatCompletion(10, [1, 2, 3], content, calls, FinishReason.Eos), "tiny");
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("Let me check.", response.Text);
        var call = Assert.Single(response.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal(2, ((JsonElement)call.Arguments["days"]!).GetInt32());
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal(13, response.Usage!.TotalTokenCount);

        // An unreadable block leaves the whole reply as text; without tools offered a block is just text.
        Assert.Empty(ChatPolicy.ReadReply("<tool_call>\n{\"name\": \n</tool_call>", toolsOffered: true, ToolRL.Tokenization.ChatDialect.Qwen25).Calls);
        Assert.Empty(ChatPolicy.ReadReply("<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", toolsOffered: false, ToolRL.Tokenization.ChatDialect.Qwen25).Calls);
    }
}

/// <summary>The tiny random Qwen2 model loaded once as a policy named "tiny".</summary>
public sealed class TinyPolicyFixture : IDisposable
{
    public ChatPolicy Policy { get; } = ChatPolicy.Load(ModelFixtures.TinyDir, modelId: "tiny");

    public void Dispose() => Policy.Dispose();
}
