using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Training.Metrics;

/// <summary>
/// The per-step metrics of a run, kept in memory and mirrored to <c>metrics.jsonl</c> (one JSON object per step,
/// appended) and <c>metrics.csv</c> (one column per metric name in order of first appearance, rewritten
/// atomically each step because later steps can add columns, e.g. validation). On resume the files are cut
/// back to the checkpoint's step, so a resumed run's files equal the uninterrupted run's. With TensorBoard on
/// (<c>trainer.logger</c> holds <c>"tensorboard"</c>) every appended row also goes to an event file under
/// <c>tensorboard/</c>, scalars under the same names.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    /// <summary>The TensorBoard folder under the log's directory.</summary>
    public const string TensorBoardFolder = "tensorboard";

    /// <summary>File name of the JSON-lines log.</summary>
    public const string JsonlFileName = "metrics.jsonl";

    /// <summary>File name of the CSV log.</summary>
    public const string CsvFileName = "metrics.csv";

    private readonly List<MetricsRow> _rows = [];
    private TensorBoard.TensorBoardWriter? _tensorBoard;

    private MetricsLog(string directory) => Directory = directory;

    /// <summary>The directory holding the two files.</summary>
    public string Directory { get; }

    /// <summary>Every row so far, in step order.</summary>
    public IReadOnlyList<MetricsRow> Rows => _rows;

    /// <summary>Path of <see cref="JsonlFileName"/>.</summary>
    public string JsonlPath => Path.Combine(Directory, JsonlFileName);

    /// <summary>Path of <see cref="CsvFileName"/>.</summary>
    public string CsvPath => Path.Combine(Directory, CsvFileName);

    /// <summary>Starts a fresh log in <paramref name="directory"/>, replacing any earlier files.</summary>
    /// <param name="directory">The run's folder.</param>
    /// <param name="tensorBoard">Also write a TensorBoard event file under <see cref="TensorBoardFolder"/>.</param>
    public static MetricsLog Create(string directory, bool tensorBoard = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        var log = new MetricsLog(directory);
        log.RewriteAll();
        log.OpenTensorBoard(tensorBoard);
        return log;
    }

    /// <summary>
    /// Re-opens the log of a run resumed at <paramref name="resumedStep"/>: rows after that step (written after the
    /// checkpoint, before the interruption) are dropped from both files.
    /// </summary>
    /// <param name="directory">The run's folder.</param>
    /// <param name="resumedStep">The checkpoint's step.</param>
    /// <param name="tensorBoard">Also write a TensorBoard event file (a new one: TensorBoard shows the steps written again
    /// after the checkpoint from the newer file).</param>
    public static MetricsLog Resume(string directory, long resumedStep, bool tensorBoard = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        var log = new MetricsLog(directory);
        if (File.Exists(log.JsonlPath))
        {
            log._rows.AddRange(ReadJsonl(log.JsonlPath).Where(r => r.Step <= resumedStep));
        }
        log.RewriteAll();
        log.OpenTensorBoard(tensorBoard);
        return log;
    }

    /// <summary>Reads a <c>metrics.jsonl</c>; a torn last line (a run killed mid-append) is ignored.</summary>
    public static IReadOnlyList<MetricsRow> ReadJsonl(string path)
    {
        var rows = new List<MetricsRow>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(lines[i])?.AsObject() ?? throw new JsonException("not an object");
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                break;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {i + 1} is not a metrics object ({e.Message}); delete the file or fix the line.", e);
            }
            var values = new Dictionary<string, double>();
            long step = 0;
            foreach (var (key, node) in obj)
            {
                var value = ToDouble(node);
                if (key == "step")
                {
                    step = (long)value;
                }
                else
                {
                    values[key] = value;
                }
            }
            rows.Add(new MetricsRow(step, values));
        }
        return rows;
    }

    /// <summary>Records the metrics of one step and appends them to both files.</summary>
    public void Append(MetricsRow row)
    {
        if (_rows.Count > 0 && row.Step <= _rows[^1].Step)
        {
            throw new ArgumentException($"metrics step {row.Step} is not after the last logged step {_rows[^1].Step}.", nameof(row));
        }
        _rows.Add(row);
        File.AppendAllText(JsonlPath, ToJsonLine(row) + "\n");
        AtomicFile.WriteAllText(CsvPath, ToCsv(_rows));
        _tensorBoard?.AddScalars(row.Values, row.Step);
    }

    /// <summary>Shows validation samples in TensorBoard's text tab (a markdown table of the first few); no-op without TensorBoard.</summary>
    public void AddValidationSamples(long step, IReadOnlyList<Validation.ValidationGeneration> generations) =>
        _tensorBoard?.AddText(TensorBoard.ValidationMarkdown.Tag, TensorBoard.ValidationMarkdown.Table(generations), step);

    /// <summary>Closes the TensorBoard event file, if any (the other files are closed after every write).</summary>
    public void Dispose() => _tensorBoard?.Dispose();

    private void OpenTensorBoard(bool enabled)
    {
        if (enabled)
        {
            _tensorBoard = new TensorBoard.TensorBoardWriter(Path.Combine(Directory, TensorBoardFolder));
        }
    }

    /// <summary>The JSON line of one row: <c>{"step": N, "name": value, ...}</c>; non-finite values as "NaN"/"Infinity".</summary>
    public static string ToJsonLine(MetricsRow row)
    {
        var obj = new JsonObject { ["step"] = row.Step };
        foreach (var (key, value) in row.Values)
        {
            obj[key] = JsonValue.Create(value);
        }
        return JsonLines.ToLine(obj);
    }

    /// <summary>The CSV text of <paramref name="rows"/>: a header of <c>step</c> plus every metric name, empty cells where a step lacks a metric.</summary>
    public static string ToCsv(IReadOnlyList<MetricsRow> rows)
    {
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var key in row.Values.Keys)
            {
                if (seen.Add(key))
                {
                    columns.Add(key);
                }
            }
        }
        var sb = new StringBuilder();
        sb.Append("step");
        foreach (var column in columns)
        {
            sb.Append(',').Append(CsvEscape(column));
        }
        sb.Append('\n');
        foreach (var row in rows)
        {
            sb.Append(row.Step.ToString(CultureInfo.InvariantCulture));
            foreach (var column in columns)
            {
                sb.Append(',');
                if (row.Values.TryGetValue(column, out var v))
                {
                    sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private void RewriteAll()
    {
        AtomicFile.WriteAllText(JsonlPath, string.Concat(_rows.Select(r => ToJsonLine(r) + "\n")));
        AtomicFile.WriteAllText(CsvPath, ToCsv(_rows));
    }

    private static double ToDouble(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new JsonException($"metric value {node.ToJsonString()} is not a number"),
    };

    private static string CsvEscape(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
