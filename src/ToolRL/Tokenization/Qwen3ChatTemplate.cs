using System.Text;
using System.Text.Json.Nodes;

namespace ToolRL.Tokenization;

/// <summary>
/// The Qwen3 chat template (hybrid thinking), rendered by hand: the output is what transformers'
/// <c>apply_chat_template</c> renders from the template of Qwen3's tokenizer_config.json (checked against
/// @huggingface/jinja in tests). It differs from <see cref="Qwen25ChatTemplate"/> in three ways: no default system
/// prompt; an assistant message's <c>&lt;think&gt;…&lt;/think&gt;</c> reasoning is kept only after the last real user query
/// (earlier turns show the answer alone, as the model saw them); and with <c>enableThinking: false</c> the generation
/// prompt ends with an empty think block, which switches thinking off.
/// </summary>
public static class Qwen3ChatTemplate
{
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";

    /// <summary>
    /// Renders <paramref name="messages"/> (and OpenAI-style function schemas <paramref name="tools"/>) to the prompt text;
    /// with <paramref name="addGenerationPrompt"/> it ends with <c>&lt;|im_start|&gt;assistant\n</c>, followed by
    /// <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> when <paramref name="enableThinking"/> is false.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="messages"/> is empty (the template reads messages[0]).</exception>
    public static string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false,
        bool enableThinking = true)
    {
        Qwen25ChatTemplate.RequireMessages(messages);
        var text = new StringBuilder(256);
        var firstIsSystem = messages[0].Role == "system";
        if (tools is { Count: > 0 })
        {
            text.Append("<|im_start|>system\n");
            if (firstIsSystem)
            {
                text.Append(messages[0].Content).Append("\n\n");
            }
            Qwen25ChatTemplate.AppendToolsSection(text, tools);
        }
        else if (firstIsSystem)
        {
            text.Append("<|im_start|>system\n").Append(messages[0].Content).Append("<|im_end|>\n");
        }

        // The last user message that is a real query, not tool responses passed back as a user turn.
        var lastQuery = messages.Count - 1;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            if (m.Role == "user" && !(m.Content.StartsWith("<tool_response>", StringComparison.Ordinal) && m.Content.EndsWith("</tool_response>", StringComparison.Ordinal)))
            {
                lastQuery = i;
                break;
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var last = i == messages.Count - 1;
            if (message.Role == "user" || (message.Role == "system" && i > 0))
            {
                text.Append("<|im_start|>").Append(message.Role).Append('\n').Append(message.Content).Append("<|im_end|>\n");
            }
            else if (message.Role == "assistant")
            {
                AppendAssistant(text, message, keepReasoning: i > lastQuery, last);
            }
            else if (message.Role == "tool")
            {
                Qwen25ChatTemplate.AppendToolResponse(text, messages, i);
            }
        }
        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
            if (!enableThinking)
            {
                text.Append("<think>\n\n</think>\n\n");
            }
        }
        return text.ToString();
    }

    private static void AppendAssistant(StringBuilder text, ChatMessage message, bool keepReasoning, bool last)
    {
        // content.split('</think>')[-1].lstrip('\n'); reasoning = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
        var content = message.Content;
        var reasoning = "";
        var close = content.IndexOf(ThinkClose, StringComparison.Ordinal);
        if (close >= 0)
        {
            var before = content[..close].TrimEnd('\n');
            reasoning = before[(before.LastIndexOf(ThinkOpen, StringComparison.Ordinal) is var open and >= 0 ? open + ThinkOpen.Length : 0)..].TrimStart('\n');
            content = content[(content.LastIndexOf(ThinkClose, StringComparison.Ordinal) + ThinkClose.Length)..].TrimStart('\n');
        }
        text.Append("<|im_start|>assistant\n");
        if (keepReasoning && (last || reasoning.Length > 0))
        {
            text.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(content.TrimStart('\n'));
        }
        else
        {
            text.Append(content);
        }
        if (message.ToolCalls is { Count: > 0 } calls)
        {
            for (var k = 0; k < calls.Count; k++)
            {
                if (k > 0 || content.Length > 0)
                {
                    text.Append('\n');
                }
                text.Append("<tool_call>\n{\"name\": \"").Append(calls[k].Name).Append("\", \"arguments\": ");
                PythonJson.Write(text, calls[k].Arguments);
                text.Append("}\n</tool_call>");
            }
        }
        text.Append("<|im_end|>\n");
    }
}
