using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolRL.Agents.Tools;

/// <summary>
/// Tool schemas in the OpenAI function form the Qwen2.5 chat template renders into the system prompt
/// (<c>{"type": "function", "function": {"name", "description", "parameters"}}</c>, docs/agents.md). The
/// parameters are the JSON schema <see cref="AIFunctionFactory"/> derived from the C# method, key order kept.
/// </summary>
public static class ToolSchemas
{
    /// <summary>The OpenAI function schema of <paramref name="tool"/>.</summary>
    public static JsonObject ToOpenAiFunction(AIFunctionDeclaration tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var parameters = JsonNode.Parse(tool.JsonSchema.GetRawText()) as JsonObject ?? [];
        if (!parameters.ContainsKey("type"))
        {
            parameters["type"] = "object";   // a parameterless function's schema may be {}
        }
        if (!parameters.ContainsKey("properties"))
        {
            parameters["properties"] = new JsonObject();
        }
        return new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = tool.Name,
                ["description"] = tool.Description ?? "",
                ["parameters"] = parameters,
            },
        };
    }

    /// <summary>The schemas of <paramref name="tools"/>, in order.</summary>
    public static IReadOnlyList<JsonObject> ToOpenAiFunctions(IEnumerable<AIFunction> tools) =>
        [.. tools.Select(ToOpenAiFunction)];
}
