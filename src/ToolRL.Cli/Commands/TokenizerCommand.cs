using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using ToolRL.Cli.Training;
using ToolRL.Data;
using ToolRL.Tokenization;

namespace ToolRL.Cli.Commands;

/// <summary><c>toolrl tokenizer train --corpus FILE --vocab-size N --output DIR</c>: trains a small Qwen2-style byte-level BPE.</summary>
public sealed class TokenizerCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var corpus = new Option<FileInfo>("--corpus") { Description = "Plain text (every line, newline included), or JSONL with \"text\" or \"messages\" per line.", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Total vocabulary size including the 5 Qwen added tokens.", Required = true };
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder for tokenizer.json and tokenizer_config.json.", Required = true };
        var minFrequency = new Option<int>("--min-frequency") { Description = "Pairs seen fewer times are not merged.", DefaultValueFactory = _ => 2 };
        var train = new Command("train", "Train a byte-level BPE with the Qwen2 pre-tokenizer and special tokens.") { corpus, vocabSize, output, minFrequency };
        train.SetAction(parse => Train(parse.GetValue(corpus)!, parse.GetValue(vocabSize), parse.GetValue(output)!, parse.GetValue(minFrequency)));
        return new Command("tokenizer", "Tokenizer tools.") { train };
    }

    private static int Train(FileInfo corpus, int vocabSize, DirectoryInfo output, int minFrequency)
    {
        if (!corpus.Exists)
        {
            throw new FileNotFoundException($"{corpus.FullName}: file not found; fix: pass an existing corpus with --corpus", corpus.FullName);
        }
        if (minFrequency < 1)
        {
            throw new UsageException($"--min-frequency {minFrequency}: must be at least 1");
        }
        var documents = ReadCorpus(corpus.FullName);
        var watch = Stopwatch.StartNew();
        // Progress notes go to stderr, the result line to stdout.
        var notes = new ConsoleNoteLogger(new TrainingConsole(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })));
        var tokenizer = BpeTrainer.Train(documents, vocabSize, new BpeTrainerOptions { MinFrequency = minFrequency, Logger = notes });
        tokenizer.Save(output.FullName);
        var bytes = documents.Sum(d => (long)System.Text.Encoding.UTF8.GetByteCount(d));
        var tokens = documents.Sum(d => (long)tokenizer.CountTokens(d));
        Console.WriteLine($"trained vocab {tokenizer.VocabSize} ({tokenizer.MergeCount} merges) in {watch.Elapsed.TotalSeconds:F1} s; " +
                          $"corpus {bytes:N0} bytes → {tokens:N0} tokens ({(double)bytes / Math.Max(1, tokens):F2} bytes/token); saved to {output.FullName}");
        return ExitCodes.Ok;
    }

    /// <summary>JSONL: each line's "text" or rendered "messages"; plain text: each line with its newline.</summary>
    internal static List<string> ReadCorpus(string path)
    {
        var documents = new List<string>();
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (lineNumber, line) in TextLines.Read(path))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                var where = $"{path}:{lineNumber}";
                JsonObject row;
                try
                {
                    row = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: a line must be a JSON object");
                }
                catch (JsonException e)
                {
                    throw new FormatException($"{where}: not valid JSON ({e.Message})", e);
                }
                if (row["text"] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
                {
                    documents.Add(text.GetValue<string>());
                }
                else if (row["messages"] is not null)
                {
                    documents.Add(Qwen25ChatTemplate.Render(ChatJson.ParseMessages(row["messages"], where), ChatJson.ParseTools(row["tools"], where)));
                }
                else
                {
                    throw new FormatException($"{where}: needs a string \"text\" or a \"messages\" array");
                }
            }
            return documents;
        }
        string content;
        try
        {
            using var reader = new StreamReader(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
            content = reader.ReadToEnd();
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new DatasetException($"{path}: not valid UTF-8; fix: save the corpus as UTF-8", e);
        }
        for (var start = 0; start < content.Length;)
        {
            var newline = content.IndexOf('\n', start);
            var end = newline < 0 ? content.Length : newline + 1;
            documents.Add(content[start..end]);
            start = end;
        }
        return documents;
    }
}
