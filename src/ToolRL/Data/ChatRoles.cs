namespace ToolRL.Data;

/// <summary>The chat roles a dataset row may use (the roles Qwen2.5's chat template renders).</summary>
public static class ChatRoles
{
    /// <summary>The system prompt.</summary>
    public const string System = "system";

    /// <summary>A user turn.</summary>
    public const string User = "user";

    /// <summary>A model turn.</summary>
    public const string Assistant = "assistant";

    /// <summary>A tool result turn.</summary>
    public const string Tool = "tool";

    /// <summary>Every accepted role.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { System, User, Assistant, Tool };
}
