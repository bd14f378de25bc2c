using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl tokenize --tokenizer DIR --input FILE.jsonl [--output OUT.jsonl]</c>: adds <c>"ids"</c> to
/// lines with <c>"text"</c>, and <c>"text"</c> (the prompt rendered with the tokenizer's chat template and the generation prompt)
/// plus <c>"ids"</c> to lines with <c>"messages"</c> (and optional <c>"tools"</c>).
/// </summary>
public sealed class TokenizeCommand : ICliCommand
{

    /// <inheritdoc />
    public Command Build()
    {
        var tokenizer = new Option<DirectoryInfo>("--tokenizer") { Description = "Model folder with tokenizer.json (or vocab.json + merges.txt).", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "JSONL file: lines with \"text\", or \"messages\" (+ optional \"tools\").", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the JSONL result (default: standard output)." };
        var command = new Command("tokenize", "Tokenize JSONL text or chat lines with a Qwen2.5, Qwen3 or Llama 3 tokenizer.") { tokenizer, input, output };
        command.SetAction(parse => Run(parse.InvocationConfiguration, parse.GetValue(tokenizer)!, parse.GetValue(input)!, parse.GetValue(output)));
        return command;
    }

    private static int Run(InvocationConfiguration console, DirectoryInfo tokenizerDir, FileInfo input, FileInfo? output)
    {
        var tokenizer = Qwen2Tokenizer.FromDirectory(tokenizerDir.FullName);
        var lines = new List<string>();
        foreach (var (lineNumber, line) in TextLines.Read(input.FullName))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                lines.Add(TokenizeLine(tokenizer, line, $"{input.FullName}:{lineNumber}"));
            }
        }
        // Everything is tokenized before anything is written: a bad line leaves no half-written output.
        CommandOutput.WriteLines(output, lines, console.Output);
        if (output is not null)
        {
            console.Error.WriteLine($"tokenize: {lines.Count} lines → {output.FullName}");
        }
        return ExitCodes.Ok;
    }

    /// <summary>Adds ids (and the rendered prompt for chat lines) to one JSON line.</summary>
    internal static string TokenizeLine(Qwen2Tokenizer tokenizer, string line, string where)
    {
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: a line must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{where}: not valid JSON ({e.Message})", e);
        }
        string text;
        if (row["messages"] is not null)
        {
            var messages = ChatJson.ParseMessages(row["messages"], where);
            if (messages.Count == 0)
            {
                throw new FormatException($"{where}: \"messages\" is empty; a chat needs at least one message");
            }
            text = tokenizer.ChatDialect.Render(messages, ChatJson.ParseTools(row["tools"], where), addGenerationPrompt: true);
            row["text"] = text;
        }
        else if (row["text"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            text = value.GetValue<string>();
        }
        else
        {
            throw new FormatException($"{where}: needs a string \"text\" or a \"messages\" array");
        }
        row["ids"] = new JsonArray([.. tokenizer.EncodeToIds(text).Select(id => (JsonNode)id)]);
        return JsonLines.ToLine(row);
    }
}
