using System.CommandLine;
using System.Reflection;

namespace ToolRL.Cli.Commands;

/// <summary><c>toolrl version</c>: prints the library version.</summary>
public sealed class VersionCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var command = new Command("version", "Print the ToolRL.NET version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            Console.WriteLine(version ?? "unknown");
            return 0;
        });
        return command;
    }
}
