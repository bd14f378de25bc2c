using System.Text.Json.Nodes;
using ToolRL.Generation;
using ToolRL.Serving;
using ToolRL.Tokenization;

namespace ToolRL.Cli.Serving;

/// <summary>
/// The <c>chat.completion.chunk</c>s of one streamed completion, in OpenAI's form: a role chunk per choice, content
/// deltas, one delta per tool call (index, id, type, name, arguments), a finish chunk per choice, and the usage chunk
/// (empty <c>choices</c>) when the client asked for it.
/// </summary>
/// <param name="id">The completion id every chunk carries.</param>
/// <param name="created">Unix seconds.</param>
/// <param name="modelId">The served model.</param>
public sealed class ChunkWriter(string id, long created, string modelId)
{
    /// <summary>The first chunk of <paramref name="choice"/>: the assistant role and empty content.</summary>
    public JsonObject Role(int choice) => Chunk(choice, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);

    /// <summary>The chunk of one <paramref name="delta"/>: text, a tool call, or the choice's finish reason.</summary>
    public JsonObject Delta(ChatDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.ToolCall is { } call)
        {
            var json = ToolCallJson(call);
            json["index"] = delta.ToolCallIndex;
            return Chunk(delta.Choice, new JsonObject { ["tool_calls"] = new JsonArray(json) }, null);
        }
        if (delta.Completion is { } done)
        {
            return Chunk(delta.Choice, [], FinishReasonOf(done));
        }
        return Chunk(delta.Choice, new JsonObject { ["content"] = delta.Content ?? "" }, null);
    }

    /// <summary>The last chunk: no choices, the usage of all <paramref name="choices"/>.</summary>
    public JsonObject Usage(IReadOnlyList<ChatCompletion> choices)
    {
        var chunk = Chunk(null, null, null);
        chunk["usage"] = UsageJson(choices);
        return chunk;
    }

    private JsonObject Chunk(int? choice, JsonObject? delta, string? finish) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = modelId,
        ["choices"] = choice is null ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = choice, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
    };

    /// <summary>A call as OpenAI writes it: a fresh id, type "function", name and arguments as a JSON string.</summary>
    public static JsonObject ToolCallJson(ChatToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new JsonObject
        {
            ["id"] = $"call_{Guid.NewGuid():N}"[..29],
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments.ToJsonString() },
        };
    }

    /// <summary>"tool_calls" when the reply calls tools, "length" when it ran out of tokens, else "stop".</summary>
    public static string FinishReasonOf(ChatCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        return completion.ToolCalls.Count > 0 ? "tool_calls" : completion.FinishReason == FinishReason.Length ? "length" : "stop";
    }

    /// <summary>Prompt tokens (counted once) and the completion tokens of all <paramref name="choices"/>.</summary>
    public static JsonObject UsageJson(IReadOnlyList<ChatCompletion> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var prompt = choices.Count > 0 ? choices[0].PromptTokens : 0;
        var completion = choices.Sum(c => c.CompletionIds.Count);
        return new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }
}
