using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Rewards;
using ToolRL.Torch.IO;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl reward --input cases.jsonl [--output scored.jsonl]</c>: scores JSONL cases with the ToolRL reward.
/// Each line has <c>ground_truth</c>, <c>response</c>, optional <c>flags</c> (switch name → 0/1) and optional
/// <c>step</c> (default 0); it is written back with <c>"scores": {"format", "correctness", "length", "total"}</c>
/// added. A line that cannot be read is reported on stderr with its number, the others are still scored, and
/// the exit code is 1.
/// </summary>
public sealed class RewardCommand : ICliCommand
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public Command Build()
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSONL cases: ground_truth, response, optional flags and step.", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the scored JSONL (default: standard output)." };
        var command = new Command("reward", "Score JSONL cases with the ToolRL reward (bit-exact with the reference rlla.py).") { input, output };
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output), Console.Error));
        return command;
    }

    /// <summary>Scores <paramref name="input"/> into <paramref name="output"/> (stdout when null); returns the exit code.</summary>
    public static int Run(FileInfo input, FileInfo? output, TextWriter errors)
    {
        if (!input.Exists)
        {
            errors.WriteLine($"toolrl reward: input file '{input.FullName}' does not exist; pass an existing JSONL file with --input.");
            return 2;
        }
        var failed = 0;
        if (output is null)
        {
            failed = ScoreAll(input, Console.Out, errors);
        }
        else
        {
            // The output file appears whole (AtomicFile): a crash mid-way never leaves a truncated one.
            AtomicFile.Write(output.FullName, stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                failed = ScoreAll(input, writer, errors);
            });
        }
        if (failed > 0)
        {
            errors.WriteLine($"toolrl reward: {failed} line(s) of {input.Name} could not be scored (see above); the others were written.");
            return 1;
        }
        return 0;
    }

    /// <summary>Writes the scored lines of <paramref name="input"/> to <paramref name="sink"/>; returns how many could not be scored.</summary>
    private static int ScoreAll(FileInfo input, TextWriter sink, TextWriter errors)
    {
        var failed = 0;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(input.FullName))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var (scored, error) = ScoreLine(line);
            if (scored is null)
            {
                failed++;
                errors.WriteLine($"{input.Name}:{lineNumber}: {error}");
                continue;
            }
            sink.WriteLine(scored);
        }
        sink.Flush();
        return failed;
    }

    /// <summary>The scored line, or null and why the line cannot be scored.</summary>
    public static (string? Scored, string? Error) ScoreLine(string line)
    {
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("the line is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return (null, $"not a JSON object ({e.Message}); each line must be {{\"ground_truth\": ..., \"response\": ...}}.");
        }
        try
        {
            var groundTruth = ReadString(row, "ground_truth");
            var response = ReadString(row, "response");
            var options = row["flags"] switch
            {
                null => ToolRLRewardOptions.Default,
                JsonObject flags => ToolRLRewardOptions.FromJson(flags),
                var other => throw new ArgumentException($"\"flags\" is {other.ToJsonString()}; use an object like {{\"CORRECTMAX1\": 1}}."),
            };
            var step = row["step"] switch
            {
                null => 0,
                JsonValue v when v.TryGetValue<int>(out var s) => s,
                var other => throw new ArgumentException($"\"step\" is {other.ToJsonString()}; use an integer."),
            };
            var score = ToolRLReward.Score(response, groundTruth, options, step);
            row["scores"] = new JsonObject
            {
                ["format"] = score.Format,
                ["correctness"] = score.Correctness,
                ["length"] = score.Length,
                ["total"] = score.Total,
            };
            return (row.ToJsonString(Compact), null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            return (null, e.Message);
        }
    }

    private static string ReadString(JsonObject row, string key) =>
        row[key] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw new ArgumentException($"\"{key}\" is {row[key]?.ToJsonString() ?? "missing"}; it must be a string.");
}
