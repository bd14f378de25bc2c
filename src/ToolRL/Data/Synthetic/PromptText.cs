using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Data.Synthetic;

/// <summary>
/// Renders prompts and ground truths in the rlla layout (ToolRL's rlla_4k rows; data/README.md): system prompt with the numbered
/// tool list and output-format instructions; user turn under "**Dialogue Records History**"; ground truths with
/// ToolRL's placeholder thoughts and one <c>json.dumps</c> call per line.
/// </summary>
internal static class PromptText
{
    public const string ToolThought = "<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>";
    public const string ResponseThought = "<think> I should directly respond to the user's need. </think>";

    /// <summary>ToolRL's system prompt up to the tool list (also the start of its BFCL handler's prompt).</summary>
    internal const string Opening =
        "You are a helpful multi-turn dialogue assistant capable of leveraging tool calls to solve user tasks and provide structured chat responses.\n\n"
        + "**Available Tools**\nIn your response, you can use the following tools:\n";

    /// <summary>ToolRL's system prompt after the tool list: a newline, then "**Steps for Each Turn**" to the end, without a final newline.</summary>
    internal const string FullInstructions =
        "\n**Steps for Each Turn**\n"
        + "1. **Think:** Recall relevant context and analyze the current user goal.\n"
        + "2. **Decide on Tool Usage:** If a tool is needed, specify the tool and its parameters.\n"
        + "3. **Respond Appropriately:** If a response is needed, generate one while maintaining consistency across user queries.\n\n"
        + "**Output Format**\n```plaintext\n<think> Your thoughts and reasoning </think>\n<tool_call>\n"
        + "{\"name\": \"Tool name\", \"parameters\": {\"Parameter name\": \"Parameter content\", \"... ...\": \"... ...\"}}\n"
        + "{\"name\": \"... ...\", \"parameters\": {\"... ...\": \"... ...\", \"... ...\": \"... ...\"}}\n...\n</tool_call>\n"
        + "<response> AI's final response </response>\n```\n\n"
        + "**Important Notes**\n"
        + "1. You must always include the `<think>` field to outline your reasoning. Provide at least one of `<tool_call>` or `<response>`. Decide whether to use `<tool_call>` (possibly multiple times), `<response>`, or both.\n"
        + "2. You can invoke multiple tool calls simultaneously in the `<tool_call>` fields. Each tool call should be a JSON object with a \"name\" field and an \"parameters\" field containing a dictionary of parameters. If no parameters are needed, leave the \"parameters\" field an empty dictionary.\n"
        + "3. Refer to the previous dialogue records in the history, including the user's queries, previous `<tool_call>`, `<response>`, and any tool feedback noted as `<obs>` (if exists).";

    private const string CompactInstructions =
        "\n**Output Format**\n```plaintext\n<think> Your thoughts and reasoning </think>\n<tool_call>\n"
        + "{\"name\": \"Tool name\", \"parameters\": {\"Parameter name\": \"Parameter content\"}}\n</tool_call>\n"
        + "<response> AI's final response </response>\n```\n\n"
        + "**Important Notes**\n"
        + "1. Always include `<think>`, then `<tool_call>` (one JSON object per line) or `<response>`.";

    private const string MinimalOpening = "You are an assistant that calls tools. Tools:\n";

    private const string MinimalInstructions =
        "Answer with <think> … </think>, then <tool_call> with one JSON call per line </tool_call>, or <response> … </response>.";

    public static string System(IReadOnlyList<ToolSpec> tools, SyntheticInstructions instructions)
    {
        if (instructions == SyntheticInstructions.Minimal)
        {
            return MinimalSystem(tools);
        }
        var builder = new StringBuilder(Opening);
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            var parameters = new JsonObject();
            foreach (var p in tool.Parameters)
            {
                parameters[p.Name] = new JsonObject { ["description"] = p.Description, ["type"] = p.Type, ["default"] = "" };
            }
            builder.Append(i + 1).Append(". Name: ").Append(tool.Name)
                .Append("\nDescription: ").Append(tool.Description)
                .Append("\nParameters: ").Append(PythonJson.Dumps(parameters, ensureAscii: true)).Append('\n');
        }
        builder.Append(instructions == SyntheticInstructions.Full ? FullInstructions : CompactInstructions);
        return builder.ToString();
    }

    private static string MinimalSystem(IReadOnlyList<ToolSpec> tools)
    {
        var builder = new StringBuilder(MinimalOpening);
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            builder.Append(i + 1).Append(". ").Append(tool.Name).Append('(')
                .AppendJoin(", ", tool.Parameters.Select(p => $"{p.Name}: {p.Type}"))
                .Append("): ").Append(tool.Description).Append('\n');
        }
        return builder.Append(MinimalInstructions).ToString();
    }

    public static string User(string request) => $"**Dialogue Records History**\n<user> {request} </user>";

    public static string CallAnswer(IEnumerable<JsonObject> calls) =>
        ToolThought + "\n<tool_call>\n" + string.Join("\n", calls.Select(call => PythonJson.Dumps(call, ensureAscii: true))) + "\n</tool_call>";

    public static string ResponseAnswer(string response) => ResponseThought + $"\n<response> {response} </response>";
}
