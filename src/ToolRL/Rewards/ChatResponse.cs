using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// Cuts the assistant response out of a decoded conversation as the reference does (rlla.py l.269-275):
/// the text after the LAST assistant header, up to the first end-of-turn marker after it, Python-stripped.
/// </summary>
public static class ChatResponse
{
    /// <summary>Qwen's assistant header.</summary>
    public const string QwenAssistantHeader = "<|im_start|>assistant";

    /// <summary>Qwen's end of turn.</summary>
    public const string QwenEndOfTurn = "<|im_end|>";

    /// <summary>Llama 3's assistant header.</summary>
    public const string Llama3AssistantHeader = "<|start_header_id|>assistant<|end_header_id|>";

    /// <summary>Llama 3's end of turn.</summary>
    public const string Llama3EndOfTurn = "<|eot_id|>";

    /// <summary>
    /// <c>s.split(header)[-1].split(end)[0].strip()</c>. A text without the header is taken whole, as Python's
    /// split does.
    /// </summary>
    public static string Extract(string decodedConversation, ChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(decodedConversation);
        var (header, end) = format == ChatFormat.Llama3
            ? (Llama3AssistantHeader, Llama3EndOfTurn)
            : (QwenAssistantHeader, QwenEndOfTurn);
        return PyText.Strip(PyText.LastBlock(decodedConversation, header, end)).ToString();
    }

    /// <summary>
    /// The response the reference would score for a completion generated after the chat template's generation
    /// prompt: <c>Extract(prompt + completion)</c> without needing the rendered prompt. The prompt ends with the
    /// assistant header and a newline, so no header can straddle the boundary and the prompt's last header is
    /// the one the completion follows, unless the completion itself contains another.
    /// </summary>
    public static string FromCompletion(string completion, ChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var header = format == ChatFormat.Llama3 ? Llama3AssistantHeader : QwenAssistantHeader;
        return Extract(header + "\n" + completion, format);
    }
}
