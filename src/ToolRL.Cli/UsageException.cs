namespace ToolRL.Cli;

/// <summary>An option value or combination the command cannot use; reported with exit code <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
