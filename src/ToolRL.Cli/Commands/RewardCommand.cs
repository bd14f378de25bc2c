using System.CommandLine;
using ToolRL.Data;
using ToolRL.Rewards;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl reward --input cases.jsonl [--output scored.jsonl]</c>: scores JSONL cases with the ToolRL reward
/// (<see cref="RewardCase"/>). A line that cannot be scored is reported on stderr with its number, the others are
/// still scored, and the exit code is 1; a file that is not UTF-8 is refused, naming the line, before anything is written.
/// </summary>
public sealed class RewardCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSONL cases: ground_truth, response, optional flags and step.", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the scored JSONL (default: standard output; may be the input file)." };
        var command = new Command("reward", "Score JSONL cases with the ToolRL reward (bit-exact with the reference rlla.py).") { input, output };
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Scores <paramref name="input"/> into <paramref name="output"/> (<paramref name="stdout"/> when null); returns the exit code.</summary>
    public static int Run(FileInfo input, FileInfo? output, TextWriter stdout, TextWriter errors)
    {
        var scored = new List<string>();
        var failed = 0;
        foreach (var (lineNumber, line) in TextLines.Read(input.FullName))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var (result, error) = RewardCase.ScoreJsonLine(line);
            if (result is null)
            {
                failed++;
                errors.WriteLine($"{input.Name}:{lineNumber}: {error}");
                continue;
            }
            scored.Add(result);
        }
        CommandOutput.WriteLines(output, scored, stdout);
        if (failed > 0)
        {
            errors.WriteLine($"error: {failed} line(s) of {input.Name} could not be scored (see above); the others were written");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }
}
