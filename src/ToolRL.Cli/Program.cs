using System.CommandLine;
using System.Reflection;

namespace ToolRL.Cli;

/// <summary>Entry point of the <c>toolrl</c> command.</summary>
public static class Program
{
    /// <summary>Parses the arguments and runs the chosen sub-command; returns its exit code.</summary>
    public static int Main(string[] args) => BuildRootCommand().Parse(args).Invoke();

    /// <summary>The root command with every <see cref="ICliCommand"/> of this assembly, sorted by name.</summary>
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("ToolRL.NET: reinforcement-learning fine-tuning of LLMs for tool calling.");
        var commands = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}
