using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using ToolRL.Generation;
using ToolRL.Serving;
using ChatCompletion = OpenAI.Chat.ChatCompletion;
using ToolRL.Tokenization;
using RlMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Serving;

/// <summary>
/// The server's sampling settings, tool_choice, n, token-by-token streaming, disconnects and limits, checked with the
/// official OpenAI SDK (and raw HTTP where the SDK hides the wire) against values computed independently with
/// <see cref="Sampler"/>, the path of <c>toolrl generate</c>.
/// </summary>
public sealed class ServedSamplingTests : IClassFixture<ServerFixture>
{
    private const string WeatherSchema = """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""";
    private readonly ServerFixture _server;

    public ServedSamplingTests(ServerFixture server) => _server = server;

    private ChatClient Client() =>
        new("tiny", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.Address, "/v1") });

    /// <summary>
    /// What `toolrl generate --chat` produces for a user message with these settings; the rest come from the model's
    /// generation_config.json (top_k 20, top_p 0.8, repetition penalty 1.1), as on the server. Eos: the model's + im_end.
    /// </summary>
    private GeneratedSequence Generate(string user, int maxTokens, double temperature = 0, double? topP = null, long seed = 0,
        IReadOnlyList<string>? stop = null)
    {
        var policy = _server.Policy;
        var ids = policy.Tokenizer.EncodeToIds(Qwen25ChatTemplate.Render([new RlMessage("user", user)], addGenerationPrompt: true));
        var options = GenerationOptions.From(policy.Model.GenerationConfig, policy.Model.Config) with
        {
            MaxNewTokens = maxTokens, Temperature = temperature, DoSample = temperature > 0, TopP = topP ?? policy.Model.GenerationConfig!.TopP, Seed = seed,
            StopStrings = stop ?? [], EosTokenIds = [.. policy.Model.GenerationConfig!.EosTokenIds, policy.Tokenizer.ImEndTokenId],
        };
        return Sampler.Generate(policy.Model, [ids], options, decode: policy.Decode)[0];
    }

    private static string Text(ChatCompletion completion) => string.Concat(completion.Content.Select(p => p.Text));

#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
    [Fact]
    public async Task Temperature_top_p_max_tokens_seed_and_stop_do_what_they_say()
    {
        var greedy = Generate("hello", 16);
        // top_p this small keeps only the best token: sampling at temperature 1 becomes greedy.
        var nucleus = await Client().CompleteChatAsync([new UserChatMessage("hello")],
            new ChatCompletionOptions { Temperature = 1, TopP = 1e-6f, MaxOutputTokenCount = 16, Seed = 3 });
        Assert.Equal(greedy.Text, Text(nucleus.Value));

        // The seed picks the draw: the server's reply is the sampler's for that seed.
        var sampled = Generate("hello", 16, temperature: 1, seed: 42);
        var served = await Client().CompleteChatAsync([new UserChatMessage("hello")],
            new ChatCompletionOptions { Temperature = 1, MaxOutputTokenCount = 16, Seed = 42 });
        Assert.Equal(sampled.Text, Text(served.Value));
        Assert.NotEqual(greedy.Text, sampled.Text);

        // max_tokens caps the reply: finish "length" and usage counts exactly that many.
        var capped = await Client().CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 3 });
        Assert.Equal(Generate("hello", 3).TokenIds.Count, capped.Value.Usage.OutputTokenCount);
        Assert.Equal(greedy.TokenIds.Count > 3 ? ChatFinishReason.Length : ChatFinishReason.Stop, capped.Value.FinishReason);

        // stop cuts the reply before the stop string, finish "stop".
        var stop = greedy.Text![5..8];
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 16 };
        options.StopSequences.Add(stop);
        var stopped = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Equal(greedy.Text[..greedy.Text.IndexOf(stop, StringComparison.Ordinal)], Text(stopped.Value));
        Assert.Equal(ChatFinishReason.Stop, stopped.Value.FinishReason);
        Assert.Equal(Generate("hello", 16, stop: [stop]).TokenIds.Count, stopped.Value.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task N_choices_share_a_prompt_and_usage_counts_them_all()
    {
        using var http = new HttpClient();
        async Task<JsonNode> Ask(int n, double temperature, long seed)
        {
            var body = $$"""{"model": "tiny", "messages": [{"role": "user", "content": "hello"}], "n": {{n}}, "temperature": {{temperature}}, "seed": {{seed}}, "max_tokens": 8}""";
            using var response = await http.PostAsync(new Uri(_server.Address, "/v1/chat/completions"), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        var greedy = await Ask(3, 0, 1);
        var choices = greedy["choices"]!.AsArray();
        Assert.Equal([0, 1, 2], choices.Select(c => c!["index"]!.GetValue<int>()));
        var expected = Generate("hello", 8);
        Assert.All(choices, c => Assert.Equal(expected.Text, c!["message"]!["content"]!.GetValue<string>()));
        Assert.Equal(3 * expected.TokenIds.Count, greedy["usage"]!["completion_tokens"]!.GetValue<int>());

        var a = await Ask(4, 1, 9);
        var b = await Ask(4, 1, 9);
        var texts = a["choices"]!.AsArray().Select(c => c!["message"]!["content"]!.GetValue<string>()).ToList();
        Assert.Equal(texts, b["choices"]!.AsArray().Select(c => c!["message"]!["content"]!.GetValue<string>()));
        Assert.True(texts.Distinct().Count() > 1, "four samples at temperature 1 came out identical");
    }

    [Fact]
    public async Task Streaming_sends_tokens_as_they_are_generated()
    {
        using var http = new HttpClient();
        var body = """{"model": "tiny", "messages": [{"role": "user", "content": "hello"}], "temperature": 0, "max_tokens": 24, "stream": true, "stream_options": {"include_usage": true}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/v1/chat/completions")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c["object"]!.GetValue<string>()));
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());
        var contents = chunks.Where(c => c["choices"]!.AsArray().Count > 0 && c["choices"]![0]!["delta"]!["content"] is JsonValue)
            .Select(c => c["choices"]![0]!["delta"]!["content"]!.GetValue<string>()).Where(t => t.Length > 0).ToList();
        var expected = Generate("hello", 24);
        Assert.Equal(expected.Text, string.Concat(contents));
        // One chunk per token that completed a character: token by token, not one block at the end.
        var tokenTexts = expected.TokenIds.Select((_, k) => _server.Policy.Decode(expected.TokenIds.Take(k + 1).ToList()))
            .Where(t => !t.EndsWith('\uFFFD')).Distinct().Count() - 1;
        Assert.True(contents.Count >= tokenTexts, $"{contents.Count} content chunks for {expected.TokenIds.Count} tokens");
        Assert.Equal(expected.TokenIds.Count, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_client_that_disconnects_frees_its_slot()
    {
        var batcher = _server.Policy.Batcher;
        var stepsBefore = batcher.Statistics.Steps;
        using (var http = new HttpClient())
        {
            var body = $$"""{"model": "tiny", "messages": [{"role": "user", "content": "hello"}], "temperature": 1, "seed": 1, "max_tokens": {{_server.Policy.ContextLength - 100}}, "stream": true}""";
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/v1/chat/completions")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            for (var i = 0; i < 4; i++)
            {
                await reader.ReadLineAsync();
            }
            Assert.True(batcher.Statistics.ActiveRows >= 1);
        }   // the connection closes here
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (batcher.Statistics.ActiveRows > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, batcher.Statistics.ActiveRows);
        Assert.True(batcher.Statistics.Steps - stepsBefore < 2000, $"{batcher.Statistics}");
    }

    [Fact]
    public async Task Tool_choice_required_and_named_force_a_call_opening()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Current weather of a city.", BinaryData.FromString(WeatherSchema)));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "The time now."));
        options.ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather");
        var named = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Equal("get_weather", OpenedCall(named.Value));

        // get_time takes no parameters: its whole call is forced, so it parses and comes back as a tool call.
        options.ToolChoice = ChatToolChoice.CreateFunctionChoice("get_time");
        var time = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Equal(ChatFinishReason.ToolCalls, time.Value.FinishReason);
        Assert.Equal("get_time", time.Value.ToolCalls[0].FunctionName);
        Assert.Equal("{}", time.Value.ToolCalls[0].FunctionArguments.ToString());

        options.ToolChoice = ChatToolChoice.CreateRequiredChoice();
        var required = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Contains(OpenedCall(required.Value), new[] { "get_weather", "get_time" });

        options.ToolChoice = ChatToolChoice.CreateNoneChoice();
        var none = await Client().CompleteChatAsync([new UserChatMessage("hello")], options);
        Assert.Equal(Generate("hello", 40).Text, Text(none.Value));   // tools left out of the prompt entirely
    }
#pragma warning restore OPENAI001

    /// <summary>
    /// The function a forced reply calls: its parsed call, or — the random model writes no valid arguments, so such a
    /// reply comes back as text — the name in its forced opening.
    /// </summary>
    private static string OpenedCall(ChatCompletion reply)
    {
        if (reply.ToolCalls.Count > 0)
        {
            return reply.ToolCalls[0].FunctionName;
        }
        const string Opening = "<tool_call>\n{\"name\": \"";
        var text = Text(reply);
        Assert.StartsWith(Opening, text, StringComparison.Ordinal);
        var name = text[Opening.Length..].Split('"')[0];
        Assert.StartsWith($"{Opening}{name}\", \"arguments\": ", text, StringComparison.Ordinal);
        return name;
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_json()
    {
        using var http = new HttpClient();
        var huge = new string('a', 17 << 20);
        var body = $$"""{"model": "tiny", "messages": [{"role": "user", "content": "{{huge}}"}]}""";
        // Expect: 100-continue lets the server refuse by Content-Length before the client sends the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/v1/chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.DoesNotContain(" at ", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
