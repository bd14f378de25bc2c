using System.Text;
using ToolRL.Data;
using ToolRL.Torch.IO;

namespace ToolRL.StepTool;

/// <summary>
/// Reads and writes StepTool's step-grained training files (<c>step_ppo.py:142</c> reads them with
/// <c>load_dataset('csv', delimiter='\t')</c> and <c>eval</c>s each cell): tab-separated despite the <c>.csv</c> name,
/// a header <c>prompt	response	reward</c>, CSV quoting (a field holding a quote, tab or line break is wrapped in
/// <c>"</c> and inner quotes are doubled), and in every cell a Python list literal of length T. A malformed file
/// is refused as a whole, naming the row and the column.
/// </summary>
/// <remarks>
/// The quoting is read here rather than with a CSV package: the format is one small rule, the errors must name the
/// data row and the column, and the writer must match Python's <c>csv</c> module byte for byte (QUOTE_MINIMAL), so
/// a file written here is indistinguishable from one pandas wrote.
/// </remarks>
public static class StepToolFile
{
    /// <summary>The three columns, in the authors' order.</summary>
    public static readonly IReadOnlyList<string> Columns = ["prompt", "response", "reward"];

    /// <summary>Reads every row of <paramref name="path"/>.</summary>
    /// <exception cref="StepToolFormatException">The file is malformed; nothing is returned.</exception>
    public static IReadOnlyList<StepToolSample> Read(string path)
    {
        string text;
        try
        {
            // One strict UTF-8 rule for text input: a bad byte is refused with its line number.
            text = string.Join('\n', TextLines.Read(path).Select(l => l.Text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DatasetException)
        {
            throw new StepToolFormatException($"{path}: cannot read the StepTool file: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses the text of a StepTool file (<paramref name="source"/> names it in errors).</summary>
    /// <exception cref="StepToolFormatException">The text is malformed.</exception>
    public static IReadOnlyList<StepToolSample> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = ReadRecords(text, source);
        if (records.Count == 0)
        {
            throw new StepToolFormatException($"{source}: empty file; a StepTool file starts with the header 'prompt<TAB>response<TAB>reward'.");
        }
        var header = records[0].Fields;
        var columns = Columns.Select(c => header.IndexOf(c)).ToArray();
        if (columns.Any(c => c < 0))
        {
            throw new StepToolFormatException($"{source}: line 1: the header is '{string.Join("<TAB>", header)}' but must name the columns prompt, response and reward (tab-separated).");
        }
        var samples = new List<StepToolSample>(records.Count - 1);
        for (var r = 1; r < records.Count; r++)
        {
            var (fields, line) = records[r];
            var row = r - 1;
            var where = $"{source}: row {row} (line {line})";
            if (fields.Count != header.Count)
            {
                throw new StepToolFormatException($"{where}: {fields.Count} tab-separated fields but the header has {header.Count}; quote fields that contain tabs.");
            }
            var prompts = Cell(fields[columns[0]], "prompt", PythonListLiteral.ParseStrings);
            var responses = Cell(fields[columns[1]], "response", PythonListLiteral.ParseStrings);
            var rewards = Cell(fields[columns[2]], "reward", PythonListLiteral.ParseNumbers);
            if (responses.Count == 0)
            {
                throw new StepToolFormatException($"{where}, column response: the list is empty; a trajectory has at least one step.");
            }
            if (prompts.Count != responses.Count || rewards.Count != responses.Count)
            {
                throw new StepToolFormatException($"{where}: the lists differ in length (prompt {prompts.Count}, response {responses.Count}, reward {rewards.Count}); give one entry per step in each.");
            }
            if (rewards.FindIndex(v => !double.IsFinite(v)) is var bad and >= 0)
            {
                throw new StepToolFormatException($"{where}, column reward: step {bad} has the non-finite score {rewards[bad]}; scores must be finite numbers.");
            }
            samples.Add(new StepToolSample(prompts, responses, rewards, row));

            List<T> Cell<T>(string value, string column, Func<string, List<T>> parse)
            {
                try
                {
                    return parse(value);
                }
                catch (FormatException e)
                {
                    var shown = value.Length > 60 ? value[..60] + "…" : value;
                    throw new StepToolFormatException($"{where}, column {column}: not a Python list literal ({e.Message}); the cell starts '{shown}'.", e);
                }
            }
        }
        return samples;
    }

    /// <summary>Writes <paramref name="samples"/> in the authors' format (atomically), as pandas' <c>to_csv(sep='\t')</c> would.</summary>
    public static void Write(string path, IEnumerable<StepToolSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sb = new StringBuilder();
        sb.Append(string.Join('\t', Columns)).Append('\n');
        foreach (var s in samples)
        {
            if (s.Prompts.Count != s.Steps || s.Rewards.Count != s.Steps)
            {
                throw new ArgumentException($"sample {s.Index}: prompt, response and reward lists differ in length", nameof(samples));
            }
            sb.Append(Quote(PythonListLiteral.FormatStrings(s.Prompts))).Append('\t')
              .Append(Quote(PythonListLiteral.FormatStrings(s.Responses))).Append('\t')
              .Append(Quote(PythonListLiteral.FormatNumbers(s.Rewards))).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    // Python csv QUOTE_MINIMAL: quote a field holding the delimiter, the quote character or a line break.
    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny("\t\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private static List<(List<string> Fields, int Line)> ReadRecords(string text, string source)
    {
        var records = new List<(List<string>, int)>();
        var pos = 0;
        var line = 1;
        while (pos < text.Length)
        {
            var startLine = line;
            var fields = new List<string>();
            var field = new StringBuilder();
            while (true)
            {
                if (pos < text.Length && text[pos] == '"' && field.Length == 0)
                {
                    pos++;
                    while (true)
                    {
                        if (pos >= text.Length)
                        {
                            throw new StepToolFormatException($"{source}: line {startLine} (data row {records.Count - 1}), column {ColumnName(fields.Count)}: the quoted field is never closed; close it with '\"' and double any '\"' inside it.");
                        }
                        var c = text[pos++];
                        if (c == '"')
                        {
                            if (pos < text.Length && text[pos] == '"')
                            {
                                field.Append('"');
                                pos++;
                                continue;
                            }
                            break;
                        }
                        if (c == '\n')
                        {
                            line++;
                        }
                        field.Append(c);
                    }
                    if (pos < text.Length && text[pos] is not ('\t' or '\n' or '\r'))
                    {
                        throw new StepToolFormatException($"{source}: line {line} (data row {records.Count - 1}), column {ColumnName(fields.Count)}: text after a closing quote; double the '\"' inside a quoted field.");
                    }
                }
                while (pos < text.Length && text[pos] is not ('\t' or '\n' or '\r'))
                {
                    field.Append(text[pos++]);
                }
                fields.Add(field.ToString());
                field.Clear();
                if (pos < text.Length && text[pos] == '\t')
                {
                    pos++;
                    continue;
                }
                if (pos < text.Length && text[pos] == '\r')
                {
                    pos++;
                }
                if (pos < text.Length && text[pos] == '\n')
                {
                    pos++;
                }
                line++;
                break;
            }
            if (fields is not [""])
            {
                records.Add((fields, startLine));
            }
        }
        return records;
    }

    private static string ColumnName(int index) => index < Columns.Count ? Columns[index] : $"#{index + 1}";
}
