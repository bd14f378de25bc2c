using Microsoft.Extensions.Logging;

namespace ToolRL.Cli.Training;

/// <summary>
/// The library's <see cref="ILogger"/> on <c>toolrl train</c>'s console: Information notes print grey as before,
/// warnings and errors print with their level; Debug and Trace are left out.
/// </summary>
internal sealed class ConsoleNoteLogger(TrainingConsole console) : ILogger
{
    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var message = formatter(state, exception);
        console.Note(logLevel == LogLevel.Information ? message : $"{logLevel.ToString().ToLowerInvariant()}: {message}");
    }
}
