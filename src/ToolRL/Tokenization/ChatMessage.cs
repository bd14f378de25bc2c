using System.Text.Json.Nodes;

namespace ToolRL.Tokenization;

/// <summary>
/// One message of a chat conversation, as Hugging Face chat templates and verl datasets hold it.
/// </summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The message text (may be empty for an assistant turn that only calls tools).</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>Tool calls made by an assistant message, rendered by the chat template; null when none.</summary>
    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }
}

/// <summary>A tool call inside an assistant <see cref="ChatMessage"/>.</summary>
/// <param name="Name">The tool (function) name.</param>
/// <param name="Arguments">The arguments object.</param>
public sealed record ChatToolCall(string Name, JsonObject Arguments);
