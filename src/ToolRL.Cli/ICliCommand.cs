using System.CommandLine;

namespace ToolRL.Cli;

/// <summary>
/// One top-level <c>toolrl</c> sub-command, listed in <see cref="Program.BuildRootCommand"/>. An action returns 0
/// or a documented code (<see cref="ExitCodes"/>) and reports failures by throwing: <see cref="ErrorPrinter"/> turns
/// the exception into the one-line message and the exit code, so commands carry no catch lists of their own.
/// </summary>
public interface ICliCommand
{
    /// <summary>Builds the command with its options, arguments and action.</summary>
    Command Build();
}
