namespace ToolRL.Models;

/// <summary>
/// A model folder's <c>config.json</c> or <c>generation_config.json</c> (or its weights) cannot be used. The
/// message names the file, the field, the offending value and how to fix it.
/// </summary>
public sealed class ModelConfigException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public ModelConfigException(string message) : base(message) { }

    /// <summary>Creates the exception with a complete, user-facing message and its cause.</summary>
    public ModelConfigException(string message, Exception inner) : base(message, inner) { }
}
