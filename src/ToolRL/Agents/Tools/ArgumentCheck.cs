using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Agents.Tools;

/// <summary>
/// Checks a call's arguments against its tool's JSON schema before the tool runs (docs/agents.md): required
/// properties present, no unknown property (unless <c>additionalProperties</c> allows it), each value of the declared
/// <c>type</c> (string, integer, number, boolean, array, object, null, or a list of them) and among its <c>enum</c>.
/// Nested schemas are not descended into: the tool's own binding reports deeper mistakes, which also become errors.
/// </summary>
internal static class ArgumentCheck
{
    /// <summary>Null when the arguments fit the schema; otherwise what is wrong, for the model to read.</summary>
    public static string? Problem(JsonElement schema, JsonObject arguments)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.GetString() is { } n && !arguments.ContainsKey(n))
                {
                    return $"missing required argument '{n}'";
                }
            }
        }
        var allowExtra = schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind != JsonValueKind.False;
        foreach (var (name, value) in arguments)
        {
            if (properties is not { } props)
            {
                continue;
            }
            if (!props.TryGetProperty(name, out var propertySchema))
            {
                if (!allowExtra)
                {
                    return $"unknown argument '{name}'; the tool takes {string.Join(", ", props.EnumerateObject().Select(x => x.Name))}";
                }
                continue;
            }
            if (TypeProblem(propertySchema, value) is { } problem)
            {
                return $"argument '{name}' {problem}";
            }
        }
        return null;
    }

    private static string? TypeProblem(JsonElement schema, JsonNode? value)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array
                ? type.EnumerateArray().Select(t => t.GetString() ?? "").ToArray()
                : [type.GetString() ?? ""];
            if (!allowed.Any(t => IsOfType(t, value)))
            {
                return $"must be {string.Join(" or ", allowed)}, got {KindOf(value)}";
            }
        }
        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array)
        {
            var text = value?.ToJsonString() ?? "null";
            if (!options.EnumerateArray().Any(o => o.GetRawText() == text))
            {
                return $"must be one of {string.Join(", ", options.EnumerateArray().Select(o => o.GetRawText()))}";
            }
        }
        return null;
    }

    private static bool IsOfType(string type, JsonNode? value) => type switch
    {
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "integer" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<decimal>(out var d) && decimal.Truncate(d) == d,
        "number" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "boolean" => value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "array" => value is JsonArray,
        "object" => value is JsonObject,
        "null" => value is null,
        _ => true,
    };

    private static string KindOf(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "an array",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            _ => "a boolean",
        },
        _ => "a value",
    };
}
