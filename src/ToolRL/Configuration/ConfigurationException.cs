namespace ToolRL.Configuration;

/// <summary>One problem found in a configuration: where it is, what was there, what is wrong, how to fix it.</summary>
/// <param name="Path">JSON path of the field, e.g. <c>$.ppo_mini_batch_size</c> or <c>$.model.tiny.num_attention_heads</c>.</param>
/// <param name="Value">The offending value as written (JSON text), or <c>null</c> when the field is missing.</param>
/// <param name="Problem">What is wrong with it.</param>
/// <param name="Fix">What to change to make it valid.</param>
public sealed record ConfigError(string Path, string? Value, string Problem, string Fix)
{
    /// <inheritdoc />
    public override string ToString() =>
        Value is null ? $"{Path}: {Problem}. Fix: {Fix}" : $"{Path} = {Value}: {Problem}. Fix: {Fix}";
}

/// <summary>
/// A training configuration was refused. <see cref="Errors"/> lists every problem found (not only the first),
/// and the message names the source file, each field's JSON path, its value and the fix.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> (a file name or description).</summary>
    public ConfigurationException(string source, IReadOnlyList<ConfigError> errors)
        : base(FormatMessage(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    /// <summary>The file (or description) the configuration came from.</summary>
    public new string Source { get; }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string FormatMessage(string source, IReadOnlyList<ConfigError> errors)
    {
        var noun = errors.Count == 1 ? "problem" : "problems";
        return $"Invalid training configuration {source} ({errors.Count} {noun}):" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
    }
}
