using System.CommandLine;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Tokenization;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl score --model DIR [--adapter LORA] --input FILE.jsonl [--output OUT.jsonl]</c>: each line has <c>"ids"</c> (or
/// <c>"text"</c>, tokenized with the model's tokenizer and then given <c>"ids"</c>) and gets <c>"logprobs"</c>:
/// log p(x_t | x_&lt;t) for t = 1 … n−1, in order (<see cref="SequenceScorer"/>).
/// </summary>
public sealed class ScoreCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = ModelCommandSupport.ModelOption();
        var input = new Option<FileInfo>("--input") { Description = "JSONL: lines with \"ids\" (token ids) or \"text\".", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the JSONL result (default: standard output)." };
        var dtype = ModelCommandSupport.DTypeOption();
        var device = ModelCommandSupport.DeviceOption();
        var adapter = ModelCommandSupport.AdapterOption();
        var command = new Command("score", "Add per-token log-probabilities of each line under a Qwen2/Qwen2.5, Qwen3 or Llama 3.x model.") { model, input, output, dtype, device, adapter };
        command.SetAction(parse => Run(parse.InvocationConfiguration, parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(output), parse.GetValue(dtype), parse.GetValue(device),
            parse.GetValue(adapter)));
        return command;
    }

    private static int Run(InvocationConfiguration console, DirectoryInfo dir, FileInfo input, FileInfo? output, string? dtype, string? device, DirectoryInfo? adapter)
    {
        var lines = TextLines.Read(input.FullName).ToList();   // read (and refused if not UTF-8) before the model loads
        using var model = ModelCommandSupport.Load(dir, dtype, device, adapter);
        Qwen2Tokenizer? tokenizer = null;
        var scored = new List<string>();
        foreach (var (lineNumber, line) in lines)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                scored.Add(SequenceScorer.ScoreJsonLine(model, text => (tokenizer ??= ModelCommandSupport.Tokenizer(dir)).EncodeToIds(text), line,
                    $"{input.FullName}:{lineNumber}"));
            }
        }
        // Everything is scored before anything is written: a bad line leaves no half-written output.
        CommandOutput.WriteLines(output, scored, console.Output);
        if (output is not null)
        {
            console.Error.WriteLine($"score: {scored.Count} lines → {output.FullName}");
        }
        return ExitCodes.Ok;
    }
}
