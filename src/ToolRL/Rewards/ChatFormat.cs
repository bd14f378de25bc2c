namespace ToolRL.Rewards;

/// <summary>
/// The chat template whose markers delimit the assistant turn in a decoded conversation
/// (the reference picks it from <c>EXPERIMENT_NAME</c>, rlla.py l.269-275).
/// </summary>
public enum ChatFormat
{
    /// <summary>Qwen (ChatML): the text after the last <c>&lt;|im_start|&gt;assistant</c>, cut at <c>&lt;|im_end|&gt;</c>.</summary>
    Qwen,

    /// <summary>Llama 3: after the last <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;</c>, cut at <c>&lt;|eot_id|&gt;</c>.</summary>
    Llama3,
}
