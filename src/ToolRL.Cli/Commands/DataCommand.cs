using System.CommandLine;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Torch.IO;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl data convert|stats|synth</c>: convert parquet/JSONL/JSON datasets to parquet or JSONL, summarise a dataset,
/// and write the synthetic tool-calling task.
/// </summary>
public sealed class DataCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build() => new("data", "Dataset tools: convert, stats, synth.") { Convert(), Stats(), Synth() };

    private static Command Convert()
    {
        var input = new Option<FileInfo>("--input") { Description = "Dataset file: .parquet, .jsonl or .json.", Required = true };
        var target = new Option<FileInfo>("--output") { Description = "File to write: .parquet (verl's layout, snappy) or .jsonl (one row object per line).", Required = true };
        var command = new Command("convert", "Convert a parquet, JSONL or JSON dataset to parquet or JSONL, row for row, every field kept.") { input, target };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var path = parse.GetValue(target)!.FullName;
            var written = 0;
            var rows = RowSource.Read(parse.GetValue(input)!.FullName).Select(r =>
            {
                written++;
                return r;
            });
            if (Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase))
            {
                ParquetRowWriter.Write(path, rows);
            }
            else
            {
                JsonLines.Write(path, rows);
            }
            output.WriteLine($"wrote {written} rows to {path}");
            return 0;
        });
        return command;
    }

    private static Command Stats()
    {
        var input = new Option<FileInfo>("--input") { Description = "Dataset file: .parquet, .jsonl or .json.", Required = true };
        var command = new Command("stats", "Rows, roles, tool/response ground truths, calls per ground truth and prompt lengths.") { input };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(DatasetStats.Compute(parse.GetValue(input)!.FullName, ToolRLGroundTruthRules.Validate).ToText());
            return 0;
        });
        return command;
    }

    private static Command Synth()
    {
        var count = new Option<int>("--count") { Description = "Rows to generate.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed gives the same rows).", DefaultValueFactory = _ => 0 };
        var target = new Option<FileInfo>("--output") { Description = "JSONL file to write.", Required = true };
        var difficulty = new Option<string>("--difficulty") { Description = "tiny, default or hard.", DefaultValueFactory = _ => "default" };
        difficulty.AcceptOnlyFromAmong("tiny", "default", "hard");
        var instructions = new Option<string?>("--instructions") { Description = "System prompt text: minimal, compact or full (default: the difficulty's own)." };
        instructions.AcceptOnlyFromAmong("minimal", "compact", "full");
        var testCount = new Option<int>("--test-count") { Description = "Also write this many held-out test rows (requests absent from the train rows).", DefaultValueFactory = _ => 0 };
        var testOutput = new Option<FileInfo?>("--test-output") { Description = "Where the test rows go (required with --test-count)." };
        var command = new Command("synth", "Write the synthetic rlla-format tool-calling task as JSONL.") { count, seed, target, difficulty, instructions, testCount, testOutput };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            // The option values are the enum names, so the config's own preset → options mapping serves the command too.
            var options = new SyntheticDataSpec
            {
                Preset = Enum.Parse<SyntheticPreset>(parse.GetValue(difficulty)!, ignoreCase: true),
                Instructions = parse.GetValue(instructions) is { } text ? Enum.Parse<SyntheticInstructions>(text, ignoreCase: true) : null,
            }.TaskOptions;
            var tests = parse.GetValue(testCount);
            if (parse.GetValue(count) < 0 || tests < 0 || (tests > 0) != (parse.GetValue(testOutput) is not null))
            {
                throw new UsageException("--count and --test-count must be non-negative, and --test-count and --test-output go together; fix: e.g. --test-count 100 --test-output test.jsonl");
            }
            var (train, test) = SyntheticToolTask.GenerateSplit(parse.GetValue(count), tests, parse.GetValue(seed), options);
            JsonLines.Write(parse.GetValue(target)!.FullName, train.Select(r => r.Raw));
            output.WriteLine($"wrote {train.Count} rows to {parse.GetValue(target)!.FullName}");
            if (tests > 0)
            {
                JsonLines.Write(parse.GetValue(testOutput)!.FullName, test.Select(r => r.Raw));
                output.WriteLine($"wrote {test.Count} test rows to {parse.GetValue(testOutput)!.FullName}");
            }
            return 0;
        });
        return command;
    }
}
