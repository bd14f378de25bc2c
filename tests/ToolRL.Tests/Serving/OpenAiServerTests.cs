using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using ToolRL.Cli.Serving;
using ToolRL.Generation;
using ToolRL.Serving;
using RlMessage = ToolRL.Tokenization.ChatMessage;
using ToolChatToolCall = ToolRL.Tokenization.ChatToolCall;

namespace ToolRL.Tests.Serving;

/// <summary><c>toolrl serve</c>'s server on 127.0.0.1 (a free port) with the tiny model, driven by the official OpenAI .NET SDK.</summary>
public sealed class OpenAiServerTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server;

    public OpenAiServerTests(ServerFixture server) => _server = server;

    private ChatClient Client(string model = "tiny") =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "/v1") });

    [Fact]
    public async Task Models_lists_the_served_model()
    {
        var models = await new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "/v1") })
            .GetOpenAIModelClient().GetModelsAsync();
        Assert.Equal("tiny", Assert.Single(models.Value).Id);
    }

    [Fact]
    public async Task Plain_chat_answers_what_the_policy_generates()
    {
        var reply = await Client().CompleteChatAsync([new UserChatMessage("hello")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 10 });
        var expected = (await _server.Policy.CompleteAsync([new RlMessage("user", "hello")], null, new ChatSampling { Temperature = 0, MaxTokens = 10 }))[0];

        Assert.Equal(expected.Content, string.Concat(reply.Value.Content.Select(p => p.Text)));
        Assert.Equal(expected.PromptTokens, reply.Value.Usage.InputTokenCount);
        Assert.Equal(expected.CompletionIds.Count, reply.Value.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + expected.CompletionIds.Count, reply.Value.Usage.TotalTokenCount);
        Assert.Equal(expected.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, reply.Value.FinishReason);
        Assert.Equal("tiny", reply.Value.Model);
    }

    [Fact]
    public async Task Tools_and_a_tool_result_turn_render_into_the_prompt()
    {
        const string Schema = """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";
        List<OpenAI.Chat.ChatMessage> messages =
        [
            new SystemChatMessage("You answer with tools."),
            new UserChatMessage("weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city": "Paris"}"""))]),
            new ToolChatMessage("call_1", "sunny, 21 C"),
        ];
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 6 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Current weather of a city.", BinaryData.FromString(Schema)));
        var reply = await Client().CompleteChatAsync(messages, options);

        var tool = (JsonObject)JsonNode.Parse($$$"""{"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city.", "parameters": {{{Schema}}}}}""")!;
        RlMessage[] history =
        [
            new("system", "You answer with tools."),
            new("user", "weather in Paris?"),
            new("assistant", "") { ToolCalls = [new ToolChatToolCall("get_weather", new JsonObject { ["city"] = "Paris" })] },
            new("tool", "sunny, 21 C"),
        ];
        var expected = (await _server.Policy.CompleteAsync(history, [tool], new ChatSampling { Temperature = 0, MaxTokens = 6 }))[0];
        Assert.Equal(expected.PromptTokens, reply.Value.Usage.InputTokenCount);
        Assert.Equal(expected.Content, string.Concat(reply.Value.Content.Select(p => p.Text)));
        Assert.Contains("<tool_response>\nsunny, 21 C\n</tool_response>", ToolRL.Tokenization.ChatDialect.Qwen25.Render(history, [tool], addGenerationPrompt: true), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tool_call_reply_reads_as_tool_calls_in_the_sdk()
    {
        var (content, calls) = ChatPolicy.ReadReply("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", true, ToolRL.Tokenization.ChatDialect.Qwen25);
        var json = OpenAiServer.CompletionJson([new ToolRL.Serving.ChatCompletion(20, [1, 2], content, calls, FinishReason.Eos)], "tiny", 1);
        var parsed = ModelReaderWriter.Read<OpenAI.Chat.ChatCompletion>(BinaryData.FromString(json.ToJsonString()))!;
        Assert.Equal(ChatFinishReason.ToolCalls, parsed.FinishReason);
        var call = Assert.Single(parsed.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonNode.Parse(call.FunctionArguments.ToString())!["city"]!.GetValue<string>());
        Assert.Equal(22, parsed.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_gives_the_same_reply_as_chunks_and_usage()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 10 };
        var whole = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("hello")], options))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(string.Concat(whole.Value.Content.Select(p => p.Text)), text.ToString());
        Assert.Equal(whole.Value.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Value.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Value.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public void Streamed_tool_calls_are_deltas_the_sdk_reads()
    {
        var (content, calls) = ChatPolicy.ReadReply("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", true, ToolRL.Tokenization.ChatDialect.Qwen25);
        var done = new ToolRL.Serving.ChatCompletion(20, [1, 2], content, calls, FinishReason.Eos);
        var writer = new ChunkWriter("chatcmpl-1", 1, "tiny");
        JsonObject[] chunks = [writer.Role(0), writer.Delta(new ChatDelta(0) { ToolCall = calls[0] }), writer.Delta(new ChatDelta(0) { Completion = done }), writer.Usage([done])];
        var updates = chunks.Select(c => ModelReaderWriter.Read<StreamingChatCompletionUpdate>(BinaryData.FromString(c.ToJsonString()))!).ToList();
        var call = Assert.Single(updates.SelectMany(u => u.ToolCallUpdates));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal(0, call.Index);
        Assert.Equal("Paris", JsonNode.Parse(call.FunctionArgumentsUpdate.ToString())!["city"]!.GetValue<string>());
        Assert.Equal(ChatFinishReason.ToolCalls, updates.Single(u => u.FinishReason is not null).FinishReason);
        Assert.Equal(22, updates.Single(u => u.Usage is not null).Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Eight_concurrent_clients_each_get_their_seeds_reply()
    {
        var seeds = Enumerable.Range(1, 8).ToArray();
        var replies = await Task.WhenAll(seeds.Select(seed =>
        {
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
            var options = new ChatCompletionOptions { Temperature = 1, MaxOutputTokenCount = 6, Seed = seed };
#pragma warning restore OPENAI001
            return Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        }));
        for (var i = 0; i < seeds.Length; i++)
        {
            var expected = (await _server.Policy.CompleteAsync([new RlMessage("user", "hello")], null,
                new ChatSampling { Temperature = 1, MaxTokens = 6, Seed = seeds[i] }))[0];
            Assert.Equal(expected.Content, string.Concat(replies[i].Value.Content.Select(p => p.Text)));
            Assert.Equal(expected.CompletionIds.Count, replies[i].Value.Usage.OutputTokenCount);
        }
    }

    [Fact]
    public async Task Unknown_model_is_a_404_the_sdk_reports()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client("nope").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", 400, null)]
    [InlineData("""{"model": "tiny"}""", 400, "messages")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "robot", "content": "hi"}]}""", 400, "messages[0].role")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "temperature": 5}""", 400, "temperature")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "tool_choice": "required"}""", 400, "tool_choice")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "tool_choice": "maybe"}""", 400, "tool_choice")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", 400, "tool_choice")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "n": 17}""", 422, "n")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "n": 0}""", 400, "n")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", 422, "messages[0].content")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "stream": "yes"}""", 400, "stream")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 40000}""", 400, "messages")]
    [InlineData("null", 400, null)]
    [InlineData("[]", 400, null)]
    [InlineData("", 400, null)]
    [InlineData("""{"model": "tiny", "model": "tiny", "messages": [{"role": "user", "content": "hi"}]}""", 400, null)]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4294967297}""", 400, "max_tokens")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1e20}""", 400, "max_tokens")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "seed": "abc"}""", 400, "seed")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "n": 2.5}""", 400, "n")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "top_p": 0}""", 400, "top_p")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]}""", 400, "stop")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "\ud800"}]}""", 400, null)]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": {"text": "hi"}}]}""", 400, "messages[0].content")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": 5}}]}""", 400, "tools[0]")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "tools": {"type": "function"}}""", 400, "tools")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{"}}]}]}""", 400, "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "assistant", "tool_calls": {"a": 1}}]}""", 400, "messages[0].tool_calls")]
    [InlineData("""{"model": 5, "messages": [{"role": "user", "content": "hi"}]}""", 400, "model")]
    [InlineData("""{"model": "tiny", "messages": "hi"}""", 400, "messages")]
    [InlineData("""{"model": "tiny", "messages": ["hi"]}""", 400, "messages[0]")]
    public async Task Bad_requests_get_openai_error_json(string body, int status, string? param)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(_server.Address, "/v1/chat/completions"), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.DoesNotContain(" at ToolRL", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_prompt_over_the_context_length_is_refused_and_unknown_routes_are_404()
    {
        using var http = new HttpClient();
        var longText = string.Concat(Enumerable.Repeat("a ", _server.Policy.ContextLength + 10));
        var body = new JsonObject
        {
            ["model"] = "tiny",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = longText }),
        };
        using var tooLong = await http.PostAsync(new Uri(_server.Address, "/v1/chat/completions"), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("context_length_exceeded", JsonNode.Parse(await tooLong.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());

        using var missing = await http.GetAsync(new Uri(_server.Address, "/v1/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotNull(JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["message"]);
    }
}

/// <summary>The server over the tiny model, started once on 127.0.0.1 with a free port.</summary>
public class ServerFixture : IAsyncLifetime
{
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    /// <summary>The server as <c>toolrl serve</c> starts it (64 batch rows).</summary>
    public ServerFixture()
        : this(maxBatchRows: 64)
    {
    }

    /// <summary>A server whose continuous batch decodes at most <paramref name="maxBatchRows"/> rows (<c>--max-batch</c>).</summary>
    protected ServerFixture(int maxBatchRows) => Policy = ChatPolicy.Load(Models.ModelFixtures.TinyDir, modelId: "tiny", maxBatchRows: maxBatchRows);

    public ChatPolicy Policy { get; }

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = OpenAiServer.Build(Policy, "127.0.0.1", 0);
        await _app.StartAsync();
        Address = OpenAiServer.Address(_app);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Policy.Dispose();
    }
}
