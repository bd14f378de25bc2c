using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Rewards.Python;

namespace ToolRL.Tokenization;

/// <summary>
/// The Llama 3.2 Instruct chat template (Llama 3.1's without its built-in tools), rendered by hand: the output is
/// what transformers' <c>apply_chat_template</c> renders from Meta's template (checked against @huggingface/jinja in
/// tests): a system header with "Environment: ipython" when tools are given, the knowledge cut-off and today's date;
/// the tools as indented JSON inside the first user message; an assistant tool call written as
/// <c>{"name": …, "parameters": {…}}</c>; tool results under the <c>ipython</c> role as JSON strings.
/// Calls in that format are read back by <see cref="ToolRL.Rewards.ToolCallParser"/> (rewards, agent rollouts, serving).
/// </summary>
public static class Llama3ChatTemplate
{
    /// <summary>Begins every rendered conversation.</summary>
    public const string BosToken = "<|begin_of_text|>";

    /// <summary>The date the template uses when it has no clock (transformers passes today's date instead).</summary>
    public const string FallbackDateString = "26 Jul 2024";

    private const string EndOfTurn = "<|eot_id|>";

    /// <summary>
    /// Renders <paramref name="messages"/> (and OpenAI-style function schemas <paramref name="tools"/>) to the prompt text;
    /// with <paramref name="addGenerationPrompt"/> it ends with the assistant header. <paramref name="dateString"/> is the
    /// "Today Date" line (default: today, <c>%d %b %Y</c>, as transformers' <c>strftime_now</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Tools without a first user message, or an assistant message with more than one
    /// tool call (the template raises the same errors).</exception>
    public static string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false,
        string? dateString = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var date = dateString ?? DateTime.Now.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        var text = new StringBuilder(256).Append(BosToken);
        var rest = messages.AsEnumerable();
        var systemMessage = "";
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            systemMessage = Trim(messages[0].Content);
            rest = rest.Skip(1);
        }
        text.Append("<|start_header_id|>system<|end_header_id|>\n\n");
        if (tools is not null)
        {
            text.Append("Environment: ipython\n");
        }
        text.Append("Cutting Knowledge Date: December 2023\n").Append("Today Date: ").Append(date).Append("\n\n");
        text.Append(systemMessage).Append(EndOfTurn);

        var remaining = rest.ToList();
        if (tools is not null)
        {
            // The tools go into the first message after the system prompt, whatever its role.
            if (remaining.Count == 0)
            {
                throw new ArgumentException("Cannot put tools in the first user message when there's no first user message!", nameof(messages));
            }
            text.Append("<|start_header_id|>user<|end_header_id|>\n\n")
                .Append("Given the following functions, please respond with a JSON for a function call ")
                .Append("with its proper arguments that best answers the given prompt.\n\n")
                .Append("Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.")
                .Append("Do not use variables.\n\n");
            foreach (var tool in tools)
            {
                PythonJson.WriteIndented(text, tool, indent: 4);
                text.Append("\n\n");
            }
            text.Append(Trim(remaining[0].Content)).Append(EndOfTurn);
            remaining.RemoveAt(0);
        }

        foreach (var message in remaining)
        {
            if (message.ToolCalls is { Count: > 0 } calls)
            {
                if (calls.Count != 1)
                {
                    throw new ArgumentException("This model only supports single tool-calls at once!", nameof(messages));
                }
                text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n")
                    .Append("{\"name\": \"").Append(calls[0].Name).Append("\", ")
                    .Append("\"parameters\": ");
                PythonJson.Write(text, calls[0].Arguments);
                text.Append('}').Append(EndOfTurn);
            }
            else if (message.Role is "tool" or "ipython")
            {
                // A string is iterable to jinja, so the template dumps it as JSON: the result arrives quoted.
                text.Append("<|start_header_id|>ipython<|end_header_id|>\n\n");
                PythonJson.WriteString(text, message.Content);
                text.Append(EndOfTurn);
            }
            else
            {
                text.Append("<|start_header_id|>").Append(message.Role).Append("<|end_header_id|>\n\n")
                    .Append(Trim(message.Content)).Append(EndOfTurn);
            }
        }
        if (addGenerationPrompt)
        {
            text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return text.ToString();
    }

    /// <summary>jinja's <c>trim</c>: Python's <c>str.strip()</c>.</summary>
    private static string Trim(string text) => PyText.Strip(text).ToString();
}
