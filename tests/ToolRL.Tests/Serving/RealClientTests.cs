using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI;
using ToolRL.Serving;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using RlMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Serving;

/// <summary>
/// Microsoft.Extensions.AI clients: the OpenAI-backed <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI) against
/// the running server, <see cref="FunctionInvokingChatClient"/> over the in-process <see cref="PolicyChatClient"/>, and a
/// bounded load of 32 concurrent OpenAI SDK clients. Replies are compared with the policy's own answers.
/// </summary>
public sealed class RealClientTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server;

    public RealClientTests(ServerFixture server) => _server = server;

    /// <summary>The OpenAI-backed IChatClient on the server; request bodies it sends go to <paramref name="sent"/>.</summary>
    private IChatClient HttpChatClient(List<string>? sent = null)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "/v1") };
        if (sent is not null)
        {
            options.Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(new HttpClient(new Recorder(sent)));
        }
        return new OpenAI.Chat.ChatClient("tiny", new ApiKeyCredential("unused"), options).AsIChatClient();
    }

    /// <summary>Keeps each request body, then sends it on.</summary>
    private sealed class Recorder(List<string> sent) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                sent.Add(await request.Content.ReadAsStringAsync(cancellationToken));
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private async Task<ChatCompletion> PolicyReply(IReadOnlyList<RlMessage> history, IReadOnlyList<JsonObject>? tools, int maxTokens) =>
        (await _server.Policy.CompleteAsync(history, tools, new ChatSampling { Temperature = 0, MaxTokens = maxTokens }))[0];

    [Fact]
    public async Task Extensions_ai_openai_client_chats_streams_and_carries_tool_turns()
    {
        using var client = HttpChatClient();
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var plain = await client.GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")], options);
        var expected = await PolicyReply([new RlMessage("user", "hello")], null, 12);
        Assert.Equal(expected.Content, plain.Text);
        Assert.Equal(expected.PromptTokens, plain.Usage!.InputTokenCount);
        Assert.Equal(expected.CompletionIds.Count, plain.Usage.OutputTokenCount);

        var streamed = new StringBuilder();
        var updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync([new AiChatMessage(ChatRole.User, "hello")], options))
        {
            streamed.Append(update.Text);
            updates++;
        }
        Assert.Equal(expected.Content, streamed.ToString());
        Assert.True(updates > 2, $"{updates} updates");

        // Two tool rounds in the history: calls and results travel as OpenAI tool_calls and role "tool" messages.
        var weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Current weather of a city.");
        AiChatMessage[] history =
        [
            new(ChatRole.User, "weather in Paris, then Rome?"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "sunny, 21 C")]),
            new(ChatRole.Assistant, [new FunctionCallContent("c2", "get_weather", new Dictionary<string, object?> { ["city"] = "Rome" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c2", "rain, 15 C")]),
        ];
        var sent = new List<string>();
        using var recorded = HttpChatClient(sent);
        var withTools = await recorded.GetResponseAsync(history, new ChatOptions { Temperature = 0, MaxOutputTokens = 8, Tools = [weather] });

        // On the wire: OpenAI's shapes for calls (assistant tool_calls, arguments as a JSON string) and results (role tool).
        var body = JsonNode.Parse(Assert.Single(sent))!;
        var wire = body["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool", "assistant", "tool"], wire.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("get_weather", wire[3]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("Rome", JsonNode.Parse(wire[3]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
        Assert.Equal("c1", wire[2]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("get_weather", body["tools"]![0]!["function"]!["name"]!.GetValue<string>());

        // The server rendered both rounds into the prompt and answered what the policy answers for it.
        var request = ToolRL.Cli.Serving.ChatRequest.Read(body);
        var prompt = ToolRL.Tokenization.ChatDialect.Qwen25.Render(request.Messages, request.Tools, addGenerationPrompt: true);
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>", prompt, StringComparison.Ordinal);
        Assert.Contains("<tool_response>\nsunny, 21 C\n</tool_response>", prompt, StringComparison.Ordinal);
        Assert.Contains("<tool_response>\nrain, 15 C\n</tool_response>", prompt, StringComparison.Ordinal);
        var toolExpected = await PolicyReply(request.Messages, request.Tools, 8);
        Assert.Equal(toolExpected.PromptTokens, withTools.Usage!.InputTokenCount);
        Assert.Equal(toolExpected.Content, withTools.Text);
    }

    [Fact]
    public async Task Function_invoking_client_runs_the_function_the_policy_calls()
    {
        var calls = 0;
        var getTime = AIFunctionFactory.Create(() => { calls++; return "12:00"; }, "get_time", "The time now.");
        using var client = new ChatClientBuilder(new PolicyChatClient(_server.Policy))
            .UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 3)
            .Build();
        // RequireSpecific forces the reply to open with (here: to be) the parameterless call; the next round is free.
        var response = await client.GetResponseAsync([new AiChatMessage(ChatRole.User, "what time is it?")],
            new ChatOptions { Tools = [getTime], ToolMode = ChatToolMode.RequireSpecific("get_time"), Temperature = 0, MaxOutputTokens = 40 });

        Assert.Equal(1, calls);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Equal("12:00", result.Result?.ToString());

        // The final answer is what the policy says after that call and its result.
        var (history, tools) = PolicyChatClient.ToPrompt(
            [new AiChatMessage(ChatRole.User, "what time is it?"), response.Messages[0], response.Messages[1]], new ChatOptions { Tools = [getTime] });
        var expected = await PolicyReply(history, tools, 40);
        Assert.Contains("<tool_response>\n12:00\n</tool_response>", ToolRL.Tokenization.ChatDialect.Qwen25.Render(history, tools, addGenerationPrompt: true), StringComparison.Ordinal);
        Assert.Equal(expected.Content, response.Messages[^1].Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Function_invoking_client_over_http_runs_the_tool_and_sends_its_result_back(bool streaming)
    {
        // The whole loop over the wire: the server returns the forced call as OpenAI tool_calls (streamed: as deltas),
        // FunctionInvokingChatClient runs it and sends its result back as a role "tool" message, and the server answers.
        var calls = 0;
        var getTime = AIFunctionFactory.Create(() => { calls++; return "12:00"; }, "get_time", "The time now.");
        var sent = new List<string>();
        using var client = new ChatClientBuilder(HttpChatClient(sent)).UseFunctionInvocation(configure: f => f.MaximumIterationsPerRequest = 3).Build();
        AiChatMessage[] question = [new(ChatRole.User, "what time is it?")];
        var options = new ChatOptions { Tools = [getTime], ToolMode = ChatToolMode.RequireSpecific("get_time"), Temperature = 0, MaxOutputTokens = 40 };
        var response = streaming
            ? await client.GetStreamingResponseAsync(question, options).ToChatResponseAsync()
            : await client.GetResponseAsync(question, options);

        Assert.Equal(1, calls);
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        Assert.Equal(call.CallId, Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()).CallId);

        // Two requests: the forced first turn, then the history with the call and its result (tool_choice no longer forced).
        Assert.Equal(2, sent.Count);
        var first = JsonNode.Parse(sent[0])!;
        Assert.Equal("get_time", first["tool_choice"]!["function"]!["name"]!.GetValue<string>());
        var second = JsonNode.Parse(sent[1])!;
        Assert.Contains(second["tool_choice"]?.ToJsonString(), new[] { null, "\"auto\"" });
        var wire = second["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], wire.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("get_time", wire[1]!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal(wire[1]!["tool_calls"]![0]!["id"]!.GetValue<string>(), wire[2]!["tool_call_id"]!.GetValue<string>());

        // The result travels as the client serialises it (the AIFunction's JSON return value) and is rendered as sent.
        var result = wire[2]!["content"]!.GetValue<string>();
        Assert.Contains("12:00", result, StringComparison.Ordinal);

        // The final answer is the policy's own greedy reply to that history.
        var request = ToolRL.Cli.Serving.ChatRequest.Read(second);
        Assert.Contains($"<tool_response>\n{result}\n</tool_response>", ChatPolicy.RenderPrompt(request.Messages, request.Tools), StringComparison.Ordinal);
        var expected = await PolicyReply(request.Messages, request.Tools, 40);
        Assert.Equal(expected.Content, response.Messages[^1].Text);
    }

    [Fact]
    public async Task Thirty_two_concurrent_clients_all_get_well_formed_correct_replies()
    {
        string[] prompts = ["hello", "What is 2+2?", "Name a city in France.", "Say something long about the weather in spring."];
        var expected = new Dictionary<(int Prompt, int Seed), string>();
        foreach (var p in Enumerable.Range(0, prompts.Length))
        {
            foreach (var seed in new[] { 0, 1 })
            {
                var sampling = new ChatSampling { Temperature = seed == 0 ? 0 : 1, Seed = seed, MaxTokens = 12 };
                expected[(p, seed)] = (await _server.Policy.CompleteAsync([new RlMessage("user", prompts[p])], null, sampling))[0].Content;
            }
        }
        // Task.Run: the clients' continuations go to the thread pool, not to xunit's two test threads, which tests of
        // other classes may hold for minutes while the answers wait to be read.
        var replies = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            var (p, seed, stream) = (i % prompts.Length, i / prompts.Length % 2, i % 3 == 0);
            // The whole suite shares two cores: allow a slow answer (the SDK's default is 100 s without a byte).
            var client = new OpenAI.Chat.ChatClient("tiny", new ApiKeyCredential("unused"),
                new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "/v1"), NetworkTimeout = TimeSpan.FromMinutes(10) });
#pragma warning disable OPENAI001
            var options = new OpenAI.Chat.ChatCompletionOptions { Temperature = seed == 0 ? 0 : 1, Seed = seed, MaxOutputTokenCount = 12 };
#pragma warning restore OPENAI001
            string text;
            int completionTokens;
            if (stream)
            {
                var sb = new StringBuilder();
                OpenAI.Chat.ChatTokenUsage? usage = null;
                await foreach (var update in client.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage(prompts[p])], options))
                {
                    sb.Append(string.Concat(update.ContentUpdate.Select(c => c.Text)));
                    usage ??= update.Usage;
                }
                (text, completionTokens) = (sb.ToString(), usage?.OutputTokenCount ?? -1);
            }
            else
            {
                var reply = await client.CompleteChatAsync([new OpenAI.Chat.UserChatMessage(prompts[p])], options);
                Assert.Equal("tiny", reply.Value.Model);
                Assert.StartsWith("chatcmpl-", reply.Value.Id, StringComparison.Ordinal);
                (text, completionTokens) = (string.Concat(reply.Value.Content.Select(c => c.Text)), reply.Value.Usage.OutputTokenCount);
            }
            return (p, seed, text, completionTokens, stream);
        }))).WaitAsync(TimeSpan.FromMinutes(10));
        foreach (var (p, seed, text, tokens, stream) in replies)
        {
            Assert.Equal(expected[(p, seed)], text);
            Assert.True(stream || tokens is > 0 and <= 12, $"{tokens} completion tokens");
        }
        Assert.True(_server.Policy.Batcher.Statistics.PeakRows >= 2, $"{_server.Policy.Batcher.Statistics}: the clients never shared a batch");
    }
}
