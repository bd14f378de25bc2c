using System.CommandLine;
using ToolRL.Cli.Commands;

namespace ToolRL.Cli;

/// <summary>Entry point of the <c>toolrl</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Main(string[] args)
    {
        DefaultTrainThreads = Environment.ProcessorCount;
        return Run(args);
    }

    /// <summary>
    /// libtorch intra-op threads <c>toolrl train</c> uses without <c>--threads</c>: every core when this is the
    /// <c>toolrl</c> process (libtorch's own default here is one thread, which leaves cores idle). In-process callers
    /// of <see cref="Run"/> (tests, scripts) keep their own setting, since the thread count is process-wide and a
    /// change would reach their other work.
    /// </summary>
    internal static int? DefaultTrainThreads { get; private set; }

    /// <summary>
    /// Parses and runs <paramref name="args"/>: parse errors and every exception a command throws go through the one
    /// <see cref="ErrorPrinter"/> (a one-line <c>error:</c>, the stack trace only with <c>--verbose</c>) and become exit
    /// code 2 (usage or configuration) or 1 (runtime failure). Output and errors go to the given writers (the console
    /// when null), so tests can run the real CLI in-process.
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var parse = BuildRootCommand().Parse(args);
        var invocation = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        if (parse.Errors.Count > 0)
        {
            return ErrorPrinter.PrintParseErrors(parse, invocation.Error);
        }
        try
        {
            return parse.Invoke(invocation);
        }
        catch (Exception e)
        {
            return ErrorPrinter.Print(e, invocation.Error, parse.GetValue<bool>(ErrorPrinter.VerboseOptionName));
        }
    }

    /// <summary>The root command with every sub-command, registered explicitly (no reflection: trimming- and AOT-safe).</summary>
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("ToolRL.NET: reinforcement-learning fine-tuning of LLMs for tool calling.")
        {
            new DataCommand().Build(),
            new EvalCommand().Build(),
            new GenerateCommand().Build(),
            new MergeCommand().Build(),
            new PlanCommand().Build(),
            new RewardCommand().Build(),
            new ScoreCommand().Build(),
            new ServeCommand().Build(),
            new TokenizeCommand().Build(),
            new TokenizerCommand().Build(),
            new TrainCommand().Build(),
            new VersionCommand().Build(),
        };
        root.Options.Add(ErrorPrinter.VerboseOption());
        return root;
    }
}
