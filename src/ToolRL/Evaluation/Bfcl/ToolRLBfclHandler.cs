using System.Text;
using ToolRL.Data.Synthetic;
using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// The ToolRL paper's BFCL model handler (ToolRL benchmarks/BFCL/rlla_qwen.py, an <c>OSSHandler</c> in prompt mode),
/// so that our BFCL numbers are comparable with the paper's table.
/// <para><b>Prompt.</b> BFCL appends " Note that the provided function is in Python 3 syntax." to every
/// description and adds its own system message; the handler then drops every system message and writes a Qwen
/// ChatML prompt itself: ToolRL's training system prompt with the tools listed as
/// <c>N. Name: …\nDescription: …\nParameters: json.dumps(properties)</c>, and one user turn under
/// "**Dialogue Records History**" with its fixed instruction.</para>
/// <para><b>Decoding.</b> No <c>&lt;tool_call&gt;</c> → no calls. Otherwise the text after the LAST
/// <c>&lt;tool_call&gt;</c> up to the next <c>&lt;/tool_call&gt;</c> (or the end), stripped and split on
/// <c>\n</c>; each line is <c>json.loads</c>-ed, and lines that fail, lack <c>name</c>/<c>parameters</c>, or name
/// <c>None</c> are skipped silently. Each call becomes <c>{name: parameters}</c> with parameters unchecked.</para>
/// </summary>
public static class ToolRLBfclHandler
{
    /// <summary>BFCL's hint for Python function docs (<c>_get_language_specific_hint</c>).</summary>
    public const string PythonHint = " Note that the provided function is in Python 3 syntax.";

    private const string UserInstruction =
        "If there's no appropriate tools to apply or required parameters are missing, please directly inform me in your response without any tool call, "
        + "or call the tool with the name as 'None'. Otherwise, you should use one or more necessary tool calls to complete the given task in this turn.";

    private const string AfterLastObservation =
        "If you think you have completed the current task, or the task cannot be finished, please respond directly without additional tool calls. "
        + "If you encounter an error during tool execution or the task remains unfinished, retry with the one or more necessary tool calls according to your thought and plan until completion. "
        + "Based on the tool execution feedback, reflect on if understanding or selectioin of tool is wrong, what tool calling step is missing, and how to achieve the task goal from now on.";

    /// <summary>The full prompt text (with ChatML special tokens), ending with the assistant header.</summary>
    /// <param name="entry">The BFCL question.</param>
    public static string FormatPrompt(BfclEntry entry)
    {
        var (system, user) = PromptMessages(entry);
        return $"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n";
    }

    /// <summary>The prompt's system and user message texts (the Qwen2.5 chat template renders them as <see cref="FormatPrompt"/>).</summary>
    /// <param name="entry">The BFCL question.</param>
    public static (string System, string User) PromptMessages(BfclEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (SystemPrompt(entry), UserPrompt(entry.Messages));
    }

    /// <summary>The decoded calls of <paramref name="response"/> as Python's <c>json.dumps</c> writes them
    /// (<c>[{"f": {"x": 1}}]</c>), the input of BFCL's checker.</summary>
    /// <param name="response">The model's text.</param>
    public static string DecodeToJson(string response) => PyValueJson.Dumps(Decode(response));

    internal static PyValue Decode(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var calls = new List<PyValue>();
        if (!response.Contains(ToolCallBlock.Open, StringComparison.Ordinal))
        {
            return PyValue.FromList(calls);
        }
        var block = PyText.Strip(PyText.LastBlock(response, ToolCallBlock.Open, ToolCallBlock.Close));
        foreach (var line in block.ToString().Split('\n'))
        {
            var call = PyJson.Parse(line)?.Dict;
            if (call?.Get("name")?.Text is not { } name || IsNoneName(name) || call.Get("parameters") is not { } parameters)
            {
                continue;   // decode_ast's bare except: the line is skipped
            }
            var decoded = new PyDict();
            decoded.Set(name, parameters);
            calls.Add(PyValue.FromDict(decoded));
        }
        return PyValue.FromList(calls);
    }

    // name.strip().lower() == "none": only ASCII letters lowercase to n, o and e.
    private static bool IsNoneName(string name) => PyText.Strip(name).Equals("none", StringComparison.OrdinalIgnoreCase);

    private static string SystemPrompt(BfclEntry entry)
    {
        var tools = new StringBuilder();
        for (var i = 0; i < entry.Functions.Count; i++)
        {
            var doc = entry.Functions[i];
            var properties = doc.Raw.Dict!.Get("parameters")!.Dict!.Get("properties")!;
            tools.Append(i > 0 ? "\n" : "").Append(i + 1).Append(". Name: ").Append(doc.Name)
                .Append("\nDescription: ").Append(doc.Description).Append(PythonHint)
                .Append("\nParameters: ").Append(PyValueJson.Dumps(properties, ensureAscii: true));
        }
        return PromptText.Opening + tools + "\n" + PromptText.FullInstructions + "\n";
    }

    private static string UserPrompt(IReadOnlyList<BfclMessage> messages)
    {
        var user = new StringBuilder("**Dialogue Records History**\n");
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var content = PyText.Strip(message.Content).ToString();
            switch (message.Role)
            {
                case "user":
                    user.Append("<user> ").Append(content).Append('\n').Append(UserInstruction).Append(" </user>\n");
                    break;
                case "tool":
                    user.Append("<obs> You have made the tool call ").Append(PyText.Strip(message.Name ?? "").ToString())
                        .Append(". Execution returns: ").Append(content).Append(" </obs>\n");
                    if (i == messages.Count - 1)
                    {
                        user.Append("\n<user> ").Append(AfterLastObservation).Append(" </user>\n");
                    }
                    break;
                case "assistant":
                    user.Append('\n').Append(content).Append('\n');
                    break;
                default:
                    break;   // system messages (BFCL's and the entry's own) are dropped
            }
        }
        return PyText.Strip(user.ToString()).ToString();
    }
}
