using System.CommandLine;

namespace ToolRL.Cli;

/// <summary>
/// One top-level <c>toolrl</c> sub-command. Every non-abstract implementation in this assembly is found by
/// reflection and added to the root command, so a new command is a new file and never an edit of Program.cs.
/// </summary>
public interface ICliCommand
{
    /// <summary>Builds the command with its options, arguments and action.</summary>
    Command Build();
}
