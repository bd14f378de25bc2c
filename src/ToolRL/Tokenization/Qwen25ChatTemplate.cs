using System.Text;
using System.Text.Json.Nodes;

namespace ToolRL.Tokenization;

/// <summary>
/// The Qwen2.5-Instruct chat template, rendered by hand: the output is byte-for-byte what transformers'
/// <c>apply_chat_template</c> renders from <see cref="JinjaSource"/> (jinja2 with trim_blocks/lstrip_blocks
/// and Python <c>json.dumps</c> as <c>tojson</c>), including the default system prompt, the tools block,
/// assistant tool calls and grouped tool responses.
/// </summary>
public static class Qwen25ChatTemplate
{
    /// <summary>The default system prompt used when the first message is not a system message.</summary>
    public const string DefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    /// <summary>
    /// The template source (Qwen2.5-Instruct <c>chat_template.jinja</c>, sha256 cd8e9439…), written into
    /// tokenizer_config.json by <see cref="Qwen2Tokenizer.Save"/> so Hugging Face renders the same prompts.
    /// </summary>
    public const string JinjaSource = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0]['role'] == 'system' %}
                {{- messages[0]['content'] }}
            {%- else %}
                {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
            {%- endif %}
            {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
            {%- for tool in tools %}
                {{- "\n" }}
                {{- tool | tojson }}
            {%- endfor %}
            {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
        {%- else %}
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
            {%- else %}
                {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
            {%- endif %}
        {%- endif %}
        {%- for message in messages %}
            {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
            {%- elif message.role == "assistant" %}
                {{- '<|im_start|>' + message.role }}
                {%- if message.content %}
                    {{- '\n' + message.content }}
                {%- endif %}
                {%- for tool_call in message.tool_calls %}
                    {%- if tool_call.function is defined %}
                        {%- set tool_call = tool_call.function %}
                    {%- endif %}
                    {{- '\n<tool_call>\n{"name": "' }}
                    {{- tool_call.name }}
                    {{- '", "arguments": ' }}
                    {{- tool_call.arguments | tojson }}
                    {{- '}\n</tool_call>' }}
                {%- endfor %}
                {{- '<|im_end|>\n' }}
            {%- elif message.role == "tool" %}
                {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
                    {{- '<|im_start|>user' }}
                {%- endif %}
                {{- '\n<tool_response>\n' }}
                {{- message.content }}
                {{- '\n</tool_response>' }}
                {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                    {{- '<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """ + "\n";

    /// <summary>
    /// Renders <paramref name="messages"/> (and <paramref name="tools"/>, OpenAI-style function schemas
    /// dumped as given) to the prompt text; with <paramref name="addGenerationPrompt"/> the text ends with
    /// <c>&lt;|im_start|&gt;assistant\n</c>. Messages with other roles render nothing, as in the template.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="messages"/> is empty (the template reads messages[0]).</exception>
    public static string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false)
    {
        RequireMessages(messages);
        var text = new StringBuilder(256);
        var firstIsSystem = messages[0].Role == "system";
        if (tools is { Count: > 0 })
        {
            text.Append("<|im_start|>system\n").Append(firstIsSystem ? messages[0].Content : DefaultSystemPrompt).Append("\n\n");
            AppendToolsSection(text, tools);
        }
        else
        {
            text.Append("<|im_start|>system\n").Append(firstIsSystem ? messages[0].Content : DefaultSystemPrompt).Append("<|im_end|>\n");
        }
        for (var i = 0; i < messages.Count; i++)
        {
            AppendMessage(text, messages, i);
        }
        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }
        return text.ToString();
    }

    private static void AppendMessage(StringBuilder text, IReadOnlyList<ChatMessage> messages, int i)
    {
        var message = messages[i];
        var hasToolCalls = message.ToolCalls is { Count: > 0 };
        if (message.Role == "user" || (message.Role == "system" && i > 0) || (message.Role == "assistant" && !hasToolCalls))
        {
            text.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append("<|im_end|>\n");
        }
        else if (message.Role == "assistant")
        {
            text.Append("<|im_start|>assistant");
            if (message.Content.Length > 0)
            {
                text.Append('\n').Append(message.Content);
            }
            foreach (var call in message.ToolCalls!)
            {
                text.Append("\n<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ");
                PythonJson.Write(text, call.Arguments);
                text.Append("}\n</tool_call>");
            }
            text.Append("<|im_end|>\n");
        }
        else if (message.Role == "tool")
        {
            AppendToolResponse(text, messages, i);
        }
    }

    /// <summary>The Qwen templates read <c>messages[0]</c>: refuse a missing or empty list (shared with <see cref="Qwen3ChatTemplate"/>).</summary>
    internal static void RequireMessages(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new ArgumentException("messages is empty; a chat needs at least one message (the template reads messages[0])", nameof(messages));
        }
    }

    /// <summary>The "# Tools" part of the system turn, through its &lt;|im_end|&gt; (shared with <see cref="Qwen3ChatTemplate"/>).</summary>
    internal static void AppendToolsSection(StringBuilder text, IReadOnlyList<JsonObject> tools)
    {
        text.Append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n")
            .Append("You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
        foreach (var tool in tools)
        {
            text.Append('\n');
            PythonJson.Write(text, tool);
        }
        text.Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within ")
            .Append("<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n")
            .Append("</tool_call><|im_end|>\n");
    }

    /// <summary>A tool result (message <paramref name="i"/>): consecutive results share one user turn (also Qwen3's rule).</summary>
    internal static void AppendToolResponse(StringBuilder text, IReadOnlyList<ChatMessage> messages, int i)
    {
        if (i == 0 || messages[i - 1].Role != "tool")
        {
            text.Append("<|im_start|>user");
        }
        text.Append("\n<tool_response>\n").Append(messages[i].Content).Append("\n</tool_response>");
        if (i == messages.Count - 1 || messages[i + 1].Role != "tool")
        {
            text.Append("<|im_end|>\n");
        }
    }
}
