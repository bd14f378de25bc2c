using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Tokenization;

/// <summary>
/// Reads chat messages and tool lists from their JSON form (OpenAI / Hugging Face / verl layout:
/// <c>{"role", "content", "tool_calls": [{"type": "function", "function": {"name", "arguments"}}]}</c>;
/// arguments may be an object or a JSON string holding one).
/// </summary>
public static class ChatJson
{
    /// <summary>Parses a <c>messages</c> array; <paramref name="where"/> prefixes error messages (e.g. "data.jsonl:12").</summary>
    /// <exception cref="FormatException">A message is malformed; the message names the field and value.</exception>
    public static List<ChatMessage> ParseMessages(JsonNode? messages, string where)
    {
        if (messages is not JsonArray array)
        {
            throw new FormatException($"{where}: \"messages\" must be an array of {{\"role\", \"content\"}} objects, got {Describe(messages)}");
        }
        var result = new List<ChatMessage>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{where}: messages[{i}]";
            if (array[i] is not JsonObject message)
            {
                throw new FormatException($"{at} must be an object, got {Describe(array[i])}");
            }
            var role = StringField(message, "role", at) ?? throw new FormatException($"{at}.role is missing; use system, user, assistant or tool");
            var content = message["content"] is null ? "" : StringField(message, "content", at)!;
            result.Add(new ChatMessage(role, content) { ToolCalls = ParseToolCalls(message["tool_calls"], at) });
        }
        return result;
    }

    /// <summary>Parses an optional <c>tools</c> array of objects (null when absent).</summary>
    /// <exception cref="FormatException">The value is not an array of objects.</exception>
    public static List<JsonObject>? ParseTools(JsonNode? tools, string where)
    {
        if (tools is null)
        {
            return null;
        }
        if (tools is not JsonArray array || array.Any(t => t is not JsonObject))
        {
            throw new FormatException($"{where}: \"tools\" must be an array of function-schema objects, got {Describe(tools)}");
        }
        return array.Select(t => (JsonObject)t!).ToList();
    }

    private static List<ChatToolCall>? ParseToolCalls(JsonNode? node, string at)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray calls)
        {
            throw new FormatException($"{at}.tool_calls must be an array, got {Describe(node)}");
        }
        var result = new List<ChatToolCall>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var callAt = $"{at}.tool_calls[{i}]";
            if (calls[i] is not JsonObject call)
            {
                throw new FormatException($"{callAt} must be an object, got {Describe(calls[i])}");
            }
            // The template uses tool_call.function when it is defined, else the call itself.
            var function = call["function"] as JsonObject ?? call;
            var name = StringField(function, "name", callAt) ?? throw new FormatException($"{callAt}: the function name is missing");
            result.Add(new ChatToolCall(name, Arguments(function["arguments"], callAt)));
        }
        return result;
    }

    private static JsonObject Arguments(JsonNode? node, string at)
    {
        switch (node)
        {
            case null:
                return [];
            case JsonObject obj:
                return (JsonObject)obj.DeepClone();
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    if (JsonNode.Parse(value.GetValue<string>()) is JsonObject parsed)
                    {
                        return parsed;
                    }
                }
                catch (JsonException)
                {
                }
                throw new FormatException($"{at}.arguments is the string {Describe(node)}, which is not a JSON object");
            default:
                throw new FormatException($"{at}.arguments must be an object, got {Describe(node)}");
        }
    }

    private static string? StringField(JsonObject obj, string name, string at)
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        throw new FormatException($"{at}.{name} must be a string, got {Describe(node)}");
    }

    private static string Describe(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 80 ? text : text[..80] + "…";
    }
}
