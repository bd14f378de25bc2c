using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Serving;
using ToolRL.Tokenization;

namespace ToolRL.Cli.Serving;

/// <summary>
/// A <c>/v1/chat/completions</c> request read from its JSON body, every field checked with an <see cref="ApiError"/>
/// naming it. Supported: model, messages (system, developer, user, assistant with tool_calls, tool), tools,
/// tool_choice (auto, none, required, a named function), temperature, top_p, max_tokens/max_completion_tokens, seed,
/// stop, n, stream (with stream_options.include_usage).
/// </summary>
/// <param name="Model">The requested model id.</param>
/// <param name="Messages">The conversation in the chat template's form.</param>
/// <param name="Tools">The function schemas given (<see cref="ToolChoice"/> "none" leaves them out of the prompt).</param>
/// <param name="Sampling">The sampling settings.</param>
public sealed record ChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<JsonObject> Tools, ChatSampling Sampling)
{
    /// <summary>Answer as server-sent events (<c>chat.completion.chunk</c>s, then <c>data: [DONE]</c>).</summary>
    public bool Stream { get; init; }

    /// <summary>How the reply may use the tools (auto, none, required, a named function).</summary>
    public ToolChoice ToolChoice { get; init; } = ToolChoice.Auto;

    /// <summary>With <see cref="Stream"/>: end with a chunk carrying <c>usage</c> (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Reads and checks <paramref name="body"/>.</summary>
    /// <exception cref="ApiError">400 for an invalid field, 422 for a valid but unsupported one.</exception>
    public static ChatRequest Read(JsonNode? body)
    {
        if (body is not JsonObject request)
        {
            throw new ApiError(400, "the request body must be a JSON object");
        }
        var model = request["model"] is JsonValue m && m.TryGetValue<string>(out var name) ? name
            : throw new ApiError(400, "'model' is required and must be a string; fix: use an id from GET /v1/models", "model");
        var streaming = request["stream"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw new ApiError(400, "'stream' must be true or false", "stream"),
        };
        var includeUsage = request["stream_options"] is JsonObject so && so["include_usage"] is JsonValue iu && iu.TryGetValue<bool>(out var u) && u;
        var choices = Integer(request["n"], "n") ?? 1;
        if (choices is < 1 or > MaxChoices)
        {
            throw new ApiError(choices < 1 ? 400 : 422, $"n = {choices} must lie in [1, {MaxChoices}]", "n");
        }
        var messages = ReadMessages(request["messages"]);
        var tools = ReadTools(request["tools"]);
        var toolChoice = ReadToolChoice(request["tool_choice"], tools);
        var maxTokensField = request["max_completion_tokens"] is null ? "max_tokens" : "max_completion_tokens";
        var maxTokens = Integer(request[maxTokensField], maxTokensField);
        if (maxTokens is < 1 or > int.MaxValue)
        {
            throw new ApiError(400, $"{maxTokensField} = {maxTokens} must lie in [1, {int.MaxValue}]", maxTokensField);
        }
        var sampling = new ChatSampling
        {
            Temperature = Number(request["temperature"], "temperature", 0, 2, minInclusive: true),
            TopP = Number(request["top_p"], "top_p", 0, 1, minInclusive: false),
            MaxTokens = (int?)maxTokens,
            Seed = Integer(request["seed"], "seed"),
            Stop = Stop(request["stop"]),
            Choices = (int)choices,
        };
        return new ChatRequest(model, messages, tools, sampling) { Stream = streaming, IncludeUsage = includeUsage, ToolChoice = toolChoice };
    }

    /// <summary>Replies per request at most (<c>n</c>): they share the batch with every other request.</summary>
    public const int MaxChoices = 16;

    private static ToolChoice ReadToolChoice(JsonNode? node, List<JsonObject> tools)
    {
        const string Shape = "tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": …}}";
        var choice = node switch
        {
            null => ToolChoice.Auto,
            JsonValue v when v.TryGetValue<string>(out var s) => s switch
            {
                "auto" => ToolChoice.Auto,
                "none" => ToolChoice.None,
                "required" => ToolChoice.Required,
                _ => throw new ApiError(400, Shape, "tool_choice"),
            },
            JsonObject o when o["function"]?["name"] is JsonValue n && n.TryGetValue<string>(out var name) && name.Length > 0 => ToolChoice.Function(name),
            _ => throw new ApiError(400, Shape, "tool_choice"),
        };
        var names = tools.Select(t => t["function"]!["name"]!.GetValue<string>()).ToList();
        if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Function && names.Count == 0)
        {
            throw new ApiError(400, "tool_choice asks for a tool call but no 'tools' are given; fix: offer the functions in 'tools'", "tool_choice");
        }
        if (choice.Mode == ToolChoiceMode.Function && !names.Contains(choice.FunctionName!))
        {
            throw new ApiError(400, $"tool_choice names '{choice.FunctionName}', which is not among the tools ({string.Join(", ", names)})", "tool_choice");
        }
        return choice;
    }

    private static List<ChatMessage> ReadMessages(JsonNode? node)
    {
        if (node is not JsonArray array || array.Count == 0)
        {
            throw new ApiError(400, "'messages' must be a non-empty array of messages", "messages");
        }
        var messages = new List<ChatMessage>();
        for (var i = 0; i < array.Count; i++)
        {
            var param = $"messages[{i}]";
            if (array[i] is not JsonObject message)
            {
                throw new ApiError(400, $"{param} must be an object with 'role' and 'content'", param);
            }
            var role = message["role"] is JsonValue r && r.TryGetValue<string>(out var roleName) ? roleName : null;
            var content = Content(message["content"], $"{param}.content");
            switch (role)
            {
                case "system" or "developer":
                    messages.Add(new ChatMessage("system", content));
                    break;
                case "user" or "tool":
                    messages.Add(new ChatMessage(role, content));
                    break;
                case "assistant":
                    var calls = ToolCalls(message["tool_calls"], $"{param}.tool_calls");
                    messages.Add(new ChatMessage("assistant", content) { ToolCalls = calls.Count > 0 ? calls : null });
                    break;
                default:
                    throw new ApiError(400, $"{param}.role '{role}' is not one of system, developer, user, assistant, tool", $"{param}.role");
            }
        }
        return messages;
    }

    private static string Content(JsonNode? node, string param)
    {
        switch (node)
        {
            case null:
                return "";
            case JsonValue value when value.TryGetValue<string>(out var text):
                return text;
            case JsonArray parts:
                var joined = new System.Text.StringBuilder();
                foreach (var part in parts)
                {
                    if (part is not JsonObject p || p["type"] is not JsonValue type || !type.TryGetValue<string>(out var kind) || kind != "text"
                        || p["text"] is not JsonValue t
                        || !t.TryGetValue<string>(out var partText))
                    {
                        throw new ApiError(422, $"{param}: only text parts ({{\"type\": \"text\", \"text\": …}}) are supported", param);
                    }
                    joined.Append(partText);
                }
                return joined.ToString();
            default:
                throw new ApiError(400, $"{param} must be a string or an array of text parts", param);
        }
    }

    private static List<ChatToolCall> ToolCalls(JsonNode? node, string param)
    {
        if (node is null)
        {
            return [];
        }
        if (node is not JsonArray array)
        {
            throw new ApiError(400, $"{param} must be an array", param);
        }
        var calls = new List<ChatToolCall>();
        for (var i = 0; i < array.Count; i++)
        {
            var function = (array[i] as JsonObject)?["function"] as JsonObject;
            var name = function?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : null;
            var arguments = function?["arguments"] is JsonValue a && a.TryGetValue<string>(out var json) ? json : null;
            if (name is null || arguments is null)
            {
                throw new ApiError(400, $"{param}[{i}] must be {{\"type\": \"function\", \"function\": {{\"name\": string, \"arguments\": JSON string}}}}",
                    $"{param}[{i}]");
            }
            JsonObject? parsed;
            try
            {
                parsed = JsonNode.Parse(arguments.Length == 0 ? "{}" : arguments) as JsonObject;
            }
            catch (JsonException)
            {
                parsed = null;
            }
            calls.Add(new ChatToolCall(name, parsed
                ?? throw new ApiError(400, $"{param}[{i}].function.arguments is not a JSON object", $"{param}[{i}].function.arguments")));
        }
        return calls;
    }

    private static List<JsonObject> ReadTools(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }
        if (node is not JsonArray array)
        {
            throw new ApiError(400, "'tools' must be an array of {\"type\": \"function\", \"function\": {...}}", "tools");
        }
        var tools = new List<JsonObject>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject tool || tool["type"]?.GetValueKind() != JsonValueKind.String || tool["type"]!.GetValue<string>() != "function"
                || tool["function"] is not JsonObject function || function["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
            {
                throw new ApiError(400, $"tools[{i}] must be {{\"type\": \"function\", \"function\": {{\"name\": string, ...}}}}", $"tools[{i}]");
            }
            tools.Add((JsonObject)tool.DeepClone());
        }
        return tools;
    }

    private static double? Number(JsonNode? node, string param, double min, double max, bool minInclusive)
    {
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.Number)
        {
            throw new ApiError(400, $"'{param}' must be a number", param);
        }
        var value = node.GetValue<double>();
        if ((minInclusive ? value < min : value <= min) || value > max)
        {
            throw new ApiError(400, $"{param} = {value} must lie in {(minInclusive ? "[" : "(")}{min}, {max}]", param);
        }
        return value;
    }

    private static long? Integer(JsonNode? node, string param)
    {
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.Number || node is not JsonValue value || !value.TryGetValue<long>(out var integer))
        {
            // JsonValue from a parsed document reads a long only from an integer token.
            if (node.GetValueKind() == JsonValueKind.Number && double.TryParse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out var d)
                && d == Math.Floor(d) && Math.Abs(d) < 1e15)
            {
                return (long)d;
            }
            throw new ApiError(400, $"'{param}' must be an integer", param);
        }
        return integer;
    }

    private static List<string> Stop(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return [];
            case JsonValue v when v.TryGetValue<string>(out var one):
                return one.Length > 0 ? [one] : throw new ApiError(400, "'stop' must not be empty", "stop");
            case JsonArray array when array.Count <= 4 && array.All(s => s is JsonValue sv && sv.TryGetValue<string>(out var x) && x.Length > 0):
                return array.Select(s => s!.GetValue<string>()).ToList();
            default:
                throw new ApiError(400, "'stop' must be a string or an array of at most 4 non-empty strings", "stop");
        }
    }
}
