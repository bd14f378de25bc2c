namespace ToolRL.Serving;

/// <summary>How a reply may use the offered tools (OpenAI's <c>tool_choice</c>).</summary>
public enum ToolChoiceMode
{
    /// <summary>The model decides: text or calls.</summary>
    Auto,

    /// <summary>The tools are not offered; the reply is text.</summary>
    None,

    /// <summary>The reply opens with a call of one of the tools.</summary>
    Required,

    /// <summary>The reply opens with a call of <see cref="ToolChoice.FunctionName"/>.</summary>
    Function,
}

/// <summary>OpenAI's <c>tool_choice</c>: auto, none, required, or one named function.</summary>
/// <param name="Mode">The mode.</param>
/// <param name="FunctionName">The function a <see cref="ToolChoiceMode.Function"/> choice names.</param>
public sealed record ToolChoice(ToolChoiceMode Mode, string? FunctionName = null)
{
    /// <summary>The model decides.</summary>
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);

    /// <summary>No tools.</summary>
    public static ToolChoice None { get; } = new(ToolChoiceMode.None);

    /// <summary>A call of one of the tools.</summary>
    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);

    /// <summary>A call of <paramref name="name"/>.</summary>
    public static ToolChoice Function(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ToolChoice(ToolChoiceMode.Function, name);
    }
}

/// <summary>One piece of a streamed reply: text, a tool call, or (last, once per choice) the whole reply.</summary>
/// <param name="Choice">Which reply (0 … n−1) it belongs to.</param>
public sealed record ChatDelta(int Choice)
{
    /// <summary>Text to append to the reply's content.</summary>
    public string? Content { get; init; }

    /// <summary>A tool call of the reply (sent whole, once the reply ended).</summary>
    public Tokenization.ChatToolCall? ToolCall { get; init; }

    /// <summary>The position of <see cref="ToolCall"/> among the reply's calls.</summary>
    public int ToolCallIndex { get; init; }

    /// <summary>Set on the last delta of a choice: the whole reply, its finish reason and token counts.</summary>
    public ChatCompletion? Completion { get; init; }
}
