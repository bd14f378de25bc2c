using Microsoft.Extensions.Logging;

namespace ToolRL.Training;

/// <summary>
/// The training code's progress notes (stage ready, checkpoint saved, step skipped, ...) as
/// <see cref="ILogger"/> entries of category <see cref="Category"/>, at Information level. Inside the library the
/// notes travel as an <see cref="Action{T}"/> of string, which this turns an optional logger into.
/// </summary>
internal static partial class ProgressLog
{
    /// <summary>The category a host's logger factory should create the training logger with.</summary>
    public const string Category = "ToolRL.Training";

    /// <summary>Writes every note to <paramref name="logger"/>; nothing when it is null.</summary>
    public static Action<string> Notes(ILogger? logger) => logger is null ? _ => { } : note => Note(logger, note);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Note}")]
    private static partial void Note(ILogger logger, string note);
}
