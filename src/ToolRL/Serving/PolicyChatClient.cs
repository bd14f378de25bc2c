using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents.Tools;
using ToolRL.Generation;
using ToolChatMessage = ToolRL.Tokenization.ChatMessage;
using ToolChatToolCall = ToolRL.Tokenization.ChatToolCall;

namespace ToolRL.Serving;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="IChatClient"/> over a loaded <see cref="ChatPolicy"/>, so a .NET application
/// uses a trained model in process. Tools in <see cref="ChatOptions.Tools"/> go into the system prompt; the reply's
/// <c>&lt;tool_call&gt;</c> blocks come back as <see cref="FunctionCallContent"/> (so <c>FunctionInvokingChatClient</c>
/// can run them) and <see cref="FunctionResultContent"/> in the history is rendered as tool responses.
/// <see cref="ChatToolMode.None"/> leaves the tools out of the prompt; <see cref="ChatToolMode.RequireAny"/> and a
/// required function constrain the reply to open with a call. Streaming yields text as it is generated, then the calls,
/// then the finish reason with the usage.
/// </summary>
public sealed class PolicyChatClient : IChatClient
{
    private readonly ChatPolicy _policy;
    private readonly bool _ownsPolicy;

    /// <summary>A client over <paramref name="policy"/>; <paramref name="ownsPolicy"/> disposes it with the client.</summary>
    public PolicyChatClient(ChatPolicy policy, bool ownsPolicy = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        _ownsPolicy = ownsPolicy;
        Metadata = new ChatClientMetadata("toolrl", defaultModelId: policy.ModelId);
    }

    /// <summary>The provider name ("toolrl") and the model id.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (history, tools) = ToPrompt(messages, options);
        var completions = await _policy.CompleteAsync(history, tools, ToSampling(options), ToToolChoice(options), cancellationToken).ConfigureAwait(false);
        return ToResponse(completions[0], _policy.ModelId);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (history, tools) = ToPrompt(messages, options);
        var responseId = $"chatcmpl-{Guid.NewGuid():N}";
        await foreach (var delta in _policy.StreamAsync(history, tools, ToSampling(options), ToToolChoice(options), cancellationToken).ConfigureAwait(false))
        {
            var update = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = responseId, MessageId = responseId, ModelId = _policy.ModelId };
            if (delta.Content is { } text)
            {
                update.Contents.Add(new TextContent(text));
            }
            else if (delta.ToolCall is { } call)
            {
                update.Contents.Add(new FunctionCallContent(NewCallId(), call.Name, ArgumentsDictionary(call.Arguments)));
            }
            else if (delta.Completion is { } done)
            {
                update.FinishReason = FinishReasonOf(done);
                update.Contents.Add(new UsageContent(UsageOf(done)));
            }
            yield return update;
        }
    }

    private static ToolChoice ToToolChoice(ChatOptions? options) => options?.ToolMode switch
    {
        NoneChatToolMode => ToolChoice.None,
        RequiredChatToolMode { RequiredFunctionName: { } name } => ToolChoice.Function(name),
        RequiredChatToolMode => ToolChoice.Required,
        _ => ToolChoice.Auto,
    };

    /// <summary>
    /// The template's messages and tool schemas for <paramref name="messages"/> and <paramref name="options"/>: text
    /// parts are joined, an assistant's <see cref="FunctionCallContent"/> become its tool calls, and every
    /// <see cref="FunctionResultContent"/> becomes a <c>tool</c> message (a string result verbatim, anything else as JSON).
    /// </summary>
    public static (IReadOnlyList<ToolChatMessage> Messages, IReadOnlyList<JsonObject> Tools) ToPrompt(
        IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var history = new List<ToolChatMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            history.Add(new ToolChatMessage("system", options.Instructions));
        }
        foreach (var message in messages)
        {
            var results = message.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                history.AddRange(results.Select(r => new ToolChatMessage("tool", ResultText(r.Result))));
                continue;
            }
            var calls = message.Contents.OfType<FunctionCallContent>()
                .Select(c => new ToolChatToolCall(c.Name, ArgumentsObject(c.Arguments))).ToList();
            history.Add(new ToolChatMessage(message.Role.Value, message.Text) { ToolCalls = calls.Count > 0 ? calls : null });
        }
        var tools = options?.ToolMode is NoneChatToolMode || options?.Tools is null
            ? []
            : options.Tools.OfType<AIFunctionDeclaration>().Select(ToolSchemas.ToOpenAiFunction).ToList();
        return (history, tools);
    }

    private static ChatSampling ToSampling(ChatOptions? options) => new()
    {
        Temperature = options?.Temperature,
        TopP = options?.TopP,
        MaxTokens = options?.MaxOutputTokens,
        Seed = options?.Seed,
        Stop = options?.StopSequences is { } stop ? [.. stop] : [],
    };

    /// <summary>The <see cref="ChatResponse"/> of <paramref name="completion"/>: text, one <see cref="FunctionCallContent"/> per call, finish reason, usage.</summary>
    public static ChatResponse ToResponse(ChatCompletion completion, string modelId)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var contents = new List<AIContent>();
        if (completion.Content.Length > 0)
        {
            contents.Add(new TextContent(completion.Content));
        }
        foreach (var call in completion.ToolCalls)
        {
            contents.Add(new FunctionCallContent(NewCallId(), call.Name, ArgumentsDictionary(call.Arguments)));
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = modelId,
            FinishReason = FinishReasonOf(completion),
            Usage = UsageOf(completion),
        };
    }

    private static string NewCallId() => $"call_{Guid.NewGuid():N}"[..29];

    private static ChatFinishReason FinishReasonOf(ChatCompletion completion) =>
        completion.ToolCalls.Count > 0 ? ChatFinishReason.ToolCalls
            : completion.FinishReason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails UsageOf(ChatCompletion completion) => new()
    {
        InputTokenCount = completion.PromptTokens,
        OutputTokenCount = completion.CompletionIds.Count,
        TotalTokenCount = completion.PromptTokens + completion.CompletionIds.Count,
    };

    /// <summary>The arguments of a call as the JSON object the template renders.</summary>
    public static JsonObject ArgumentsObject(IDictionary<string, object?>? arguments) =>
        arguments is null ? [] : JsonSerializer.SerializeToNode(arguments, AIJsonUtilities.DefaultOptions) as JsonObject ?? [];

    /// <summary>The arguments of a parsed call as <see cref="FunctionCallContent.Arguments"/> (values as <see cref="JsonElement"/>).</summary>
    public static Dictionary<string, object?> ArgumentsDictionary(JsonObject arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.ToDictionary(p => p.Key, p => (object?)JsonSerializer.SerializeToElement(p.Value));
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString()!,
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
    };

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }
        return serviceType == typeof(ChatClientMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_policy) ? _policy
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsPolicy)
        {
            _policy.Dispose();
        }
    }
}
