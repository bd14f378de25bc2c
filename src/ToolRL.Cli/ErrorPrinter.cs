using System.CommandLine;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Data.Parquet;
using ToolRL.Runs;

namespace ToolRL.Cli;

/// <summary>
/// The one place <c>toolrl</c> reports failures: <c>error: MESSAGE</c> (the message names the file, field or path
/// and the fix), the stack trace only with <c>--verbose</c>, and the exit code from the kind of failure.
/// </summary>
public static class ErrorPrinter
{
    /// <summary>The global option that adds stack traces to errors.</summary>
    public const string VerboseOptionName = "--verbose";

    /// <summary>A fresh <c>--verbose</c> option (recursive: accepted after any sub-command).</summary>
    public static Option<bool> VerboseOption() => new(VerboseOptionName)
    {
        Description = "Print the stack trace with an error.",
        Recursive = true,
    };

    /// <summary>
    /// The exit code of <paramref name="e"/>: <see cref="ExitCodes.Usage"/> for what the user can fix before running
    /// (options, configuration, missing or unusable inputs, a folder holding a run), <see cref="ExitCodes.Interrupted"/>
    /// for a cancellation, <see cref="ExitCodes.Failure"/> for everything else.
    /// </summary>
    public static int ExitCodeOf(Exception e) => e switch
    {
        UsageException or ConfigurationException or RunSetupException or DatasetException or ParquetFormatException
            or FileNotFoundException or DirectoryNotFoundException => ExitCodes.Usage,
        OperationCanceledException => ExitCodes.Interrupted,
        _ => ExitCodes.Failure,
    };

    /// <summary>Prints <paramref name="e"/> and returns its exit code.</summary>
    public static int Print(Exception e, TextWriter error, bool verbose)
    {
        var code = ExitCodeOf(e);
        var known = code != ExitCodes.Failure || e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException
            or RunFolderLockedException or Models.ModelConfigException or Tokenization.TokenizerFileException
            or Torch.IO.SafetensorsFormatException or Torch.TorchException or ArgumentException;
        // An exception no command anticipates is a bug: name its type so the report is useful without --verbose.
        var message = known ? e.Message : $"{e.Message} ({e.GetType().Name}; rerun with --verbose for the stack trace)";
        error.WriteLine($"error: {message}");
        if (verbose)
        {
            error.WriteLine(e.ToString());
        }
        return code;
    }

    /// <summary>Prints the parse errors, one <c>error:</c> line each, with where to find help; returns <see cref="ExitCodes.Usage"/>.</summary>
    public static int PrintParseErrors(ParseResult parse, TextWriter error)
    {
        foreach (var problem in parse.Errors)
        {
            error.WriteLine($"error: {problem.Message}");
        }
        var names = new List<string>();
        var result = parse.CommandResult;
        while (result.Command is not RootCommand)
        {
            names.Insert(0, result.Command.Name);
            if (result.Parent is not System.CommandLine.Parsing.CommandResult parent)
            {
                break;
            }
            result = parent;
        }
        error.WriteLine($"see: toolrl {string.Join(' ', names.Append("--help"))}");
        return ExitCodes.Usage;
    }
}
