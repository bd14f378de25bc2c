using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>
/// Turns raw JSON rows into <see cref="RlRow"/> and <see cref="SftRow"/>. Each method returns the row or the
/// reason it is unusable (naming the field and value), so the caller can skip or fail as configured.
/// </summary>
internal static class RowParser
{
    /// <summary>Parses a verl/ToolRL RL row (<c>prompt</c>, <c>reward_model.ground_truth</c>, <c>data_source</c>, <c>extra_info</c>).</summary>
    public static (RlRow? Row, string? Error) ParseRl(JsonObject raw, int index)
    {
        var (prompt, promptError) = ParseMessages(raw["prompt"], "prompt");
        if (prompt is null)
        {
            return (null, promptError);
        }
        if (raw["reward_model"] is not JsonObject rewardModel)
        {
            return (null, $"field 'reward_model' is {RowSource.Describe(raw["reward_model"])}; expected an object with a string 'ground_truth'");
        }
        if (!TryGetString(rewardModel["ground_truth"], out var groundTruth))
        {
            return (null, $"field 'reward_model.ground_truth' is {RowSource.Describe(rewardModel["ground_truth"])}; expected a string");
        }
        if (!TryGetString(raw["data_source"], out var dataSource))
        {
            return (null, $"field 'data_source' is {RowSource.Describe(raw["data_source"])}; expected a string such as \"rlla\"");
        }
        var extra = raw["extra_info"];
        if (extra is not null and not JsonObject)
        {
            return (null, $"field 'extra_info' is {RowSource.Describe(extra)}; expected an object or null");
        }
        return (new RlRow(prompt, groundTruth, dataSource, extra as JsonObject, raw, index), null);
    }

    /// <summary>
    /// Parses an SFT row in any of three layouts: <c>messages</c> (ending with an assistant turn);
    /// <c>prompt</c> (string or messages) + <c>response</c>; or the alpaca-style <c>instruction</c>/<c>input</c>/<c>output</c>
    /// of <c>rlla_sft.json</c>, mapped to system/user/assistant as ToolRL's RL conversion (<c>rlla.py</c>) does.
    /// An RL row (prompt + reward_model) becomes prompt + its ground truth.
    /// </summary>
    public static (SftRow? Row, string? Error) ParseSft(JsonObject raw, int index)
    {
        if (raw.ContainsKey("messages"))
        {
            var (messages, error) = ParseMessages(raw["messages"], "messages");
            if (messages is null)
            {
                return (null, error);
            }
            if (messages[^1].Role != ChatRoles.Assistant)
            {
                return (null, $"field 'messages' ends with role '{messages[^1].Role}'; the last message must be the assistant's answer");
            }
            return (new SftRow(messages, raw, index), null);
        }
        if (raw.ContainsKey("instruction") && raw.ContainsKey("output"))
        {
            return ParseInstructionLayout(raw, index);
        }
        if (raw.ContainsKey("prompt") && raw.ContainsKey("response"))
        {
            return ParsePromptResponse(raw, index);
        }
        if (raw.ContainsKey("prompt") && raw.ContainsKey("reward_model"))
        {
            var (rl, error) = ParseRl(raw, index);
            return rl is null ? (null, error) : (SftRow.FromRlRow(rl), null);
        }
        return (null, $"row has fields [{string.Join(", ", raw.Select(p => p.Key))}]; an SFT row needs 'messages', "
            + "'prompt'+'response', 'instruction'+'input'+'output', or an RL row with 'reward_model.ground_truth'");
    }

    private static (SftRow?, string?) ParseInstructionLayout(JsonObject raw, int index)
    {
        foreach (var field in new[] { "instruction", "input", "output" })
        {
            if (raw[field] is not null && !TryGetString(raw[field], out _))
            {
                return (null, $"field '{field}' is {RowSource.Describe(raw[field])}; expected a string");
            }
        }
        var instruction = raw["instruction"]?.GetValue<string>() ?? "";
        var input = raw["input"]?.GetValue<string>() ?? "";
        var output = raw["output"]?.GetValue<string>() ?? "";
        if (output.Length == 0)
        {
            return (null, "field 'output' is empty; the assistant answer is the SFT target");
        }
        var messages = new List<ChatMessage>();
        if (instruction.Length > 0)
        {
            messages.Add(new ChatMessage(ChatRoles.System, instruction));
        }
        messages.Add(new ChatMessage(ChatRoles.User, input));
        messages.Add(new ChatMessage(ChatRoles.Assistant, output));
        return (new SftRow(messages, raw, index), null);
    }

    private static (SftRow?, string?) ParsePromptResponse(JsonObject raw, int index)
    {
        if (!TryGetString(raw["response"], out var response))
        {
            return (null, $"field 'response' is {RowSource.Describe(raw["response"])}; expected a string");
        }
        List<ChatMessage> messages;
        if (TryGetString(raw["prompt"], out var promptText))
        {
            messages = [new ChatMessage(ChatRoles.User, promptText)];
        }
        else
        {
            var (prompt, error) = ParseMessages(raw["prompt"], "prompt");
            if (prompt is null)
            {
                return (null, error);
            }
            messages = [.. prompt];
        }
        messages.Add(new ChatMessage(ChatRoles.Assistant, response));
        return (new SftRow(messages, raw, index), null);
    }

    /// <summary>Parses a list of <c>{"role", "content"}</c> objects, checking every role.</summary>
    public static (IReadOnlyList<ChatMessage>? Messages, string? Error) ParseMessages(JsonNode? node, string field)
    {
        if (node is not JsonArray array)
        {
            return (null, $"field '{field}' is {RowSource.Describe(node)}; expected a list of {{\"role\", \"content\"}} messages");
        }
        if (array.Count == 0)
        {
            return (null, $"field '{field}' is an empty list; it needs at least one message");
        }
        var messages = new ChatMessage[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject message)
            {
                return (null, $"{field}[{i}] is {RowSource.Describe(array[i])}; expected a {{\"role\", \"content\"}} object");
            }
            if (!TryGetString(message["role"], out var role) || !ChatRoles.All.Contains(role))
            {
                return (null, $"{field}[{i}].role is {RowSource.Describe(message["role"])}; expected one of {string.Join(", ", ChatRoles.All)}");
            }
            if (!TryGetString(message["content"], out var content))
            {
                return (null, $"{field}[{i}].content is {RowSource.Describe(message["content"])}; expected a string");
            }
            messages[i] = new ChatMessage(role, content);
        }
        return (messages, null);
    }

    private static bool TryGetString(JsonNode? node, out string value)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }
        value = "";
        return false;
    }
}
