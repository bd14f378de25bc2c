using System.Text;
using System.Text.Json.Nodes;

namespace ToolRL.Data;

/// <summary>
/// A summary of a dataset file for <c>toolrl data stats</c>: rows, roles, ground-truth kinds, calls per tool
/// ground truth and a prompt length histogram (in characters: the tokenizer is not needed to read data).
/// </summary>
/// <param name="Rows">Rows in the file.</param>
/// <param name="ValidRows">Rows that parse as RL rows and pass the ground-truth check (when one was given).</param>
/// <param name="Problems">The first problems found (at most 20).</param>
/// <param name="Roles">Messages per role over all prompts.</param>
/// <param name="GroundTruthKinds">Ground truths by kind: tool_call, response, tool_call+response, neither.</param>
/// <param name="CallsPerToolGroundTruth">Number of tool ground truths by call count.</param>
/// <param name="PromptCharsHistogram">Prompts by length bucket (lower bound in characters → rows).</param>
/// <param name="BucketChars">Width of a histogram bucket: 100 characters for short prompts, else 1000.</param>
/// <param name="MeanPromptChars">Mean prompt length in characters.</param>
/// <param name="MaxPromptChars">Longest prompt in characters.</param>
public sealed record DatasetStats(
    int Rows,
    int ValidRows,
    IReadOnlyList<RowProblem> Problems,
    IReadOnlyDictionary<string, int> Roles,
    IReadOnlyDictionary<string, int> GroundTruthKinds,
    IReadOnlyDictionary<int, int> CallsPerToolGroundTruth,
    IReadOnlyDictionary<int, int> PromptCharsHistogram,
    int BucketChars,
    double MeanPromptChars,
    int MaxPromptChars)
{
    /// <summary>
    /// Computes the statistics of <paramref name="path"/> (.parquet, .jsonl or .json); a row is valid when it parses
    /// and <paramref name="validator"/> (if any; see <see cref="DatasetLoadOptions.GroundTruthValidator"/>) accepts its ground truth.
    /// </summary>
    public static DatasetStats Compute(string path, Func<string, string?>? validator = null)
    {
        var roles = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var calls = new SortedDictionary<int, int>();
        var lengths = new List<int>();
        var problems = new List<RowProblem>();
        int rows = 0, valid = 0;
        foreach (var raw in RowSource.Read(path))
        {
            var (row, error) = RowParser.ParseRl(raw, rows);
            error ??= validator?.Invoke(row!.GroundTruth);
            rows++;
            if (error is not null)
            {
                if (problems.Count < 20)
                {
                    problems.Add(new RowProblem(rows - 1, error));
                }
            }
            else
            {
                valid++;
            }
            if (row is null)
            {
                continue;
            }
            foreach (var message in row.Prompt)
            {
                roles[message.Role] = roles.GetValueOrDefault(message.Role) + 1;
            }
            var kind = KindOf(row.GroundTruth);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            if (kind.StartsWith("tool_call", StringComparison.Ordinal))
            {
                var count = CallCount(row.GroundTruth);
                calls[count] = calls.GetValueOrDefault(count) + 1;
            }
            lengths.Add(row.Prompt.Sum(m => m.Content.Length));
        }
        var max = lengths.Count == 0 ? 0 : lengths.Max();
        var bucketChars = max < 2000 ? 100 : 1000;
        var histogram = new SortedDictionary<int, int>();
        foreach (var bucket in lengths.Select(l => l / bucketChars * bucketChars))
        {
            histogram[bucket] = histogram.GetValueOrDefault(bucket) + 1;
        }
        return new DatasetStats(rows, valid, problems, roles, kinds, calls, histogram, bucketChars, lengths.Count == 0 ? 0 : lengths.Average(), max);
    }

    /// <summary>A plain-text report.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine($"rows: {Rows} ({ValidRows} valid RL rows)");
        text.AppendLine($"roles: {Join(Roles)}");
        text.AppendLine($"ground truths: {Join(GroundTruthKinds)}");
        text.AppendLine($"calls per tool ground truth: {Join(CallsPerToolGroundTruth)}");
        text.AppendLine($"prompt chars: mean {MeanPromptChars:F0}, max {MaxPromptChars}");
        var widest = PromptCharsHistogram.Count == 0 ? 1 : PromptCharsHistogram.Values.Max();
        foreach (var (bucket, count) in PromptCharsHistogram)
        {
            text.AppendLine($"  {bucket,6}-{bucket + BucketChars - 1,-6} {count,6} {new string('#', (int)Math.Ceiling(40.0 * count / widest))}");
        }
        foreach (var problem in Problems)
        {
            text.AppendLine($"problem: {problem}");
        }
        return text.ToString();
    }

    private static string KindOf(string groundTruth) =>
        (groundTruth.Contains("<tool_call>", StringComparison.Ordinal), groundTruth.Contains("<response>", StringComparison.Ordinal)) switch
        {
            (true, true) => "tool_call+response",
            (true, false) => "tool_call",
            (false, true) => "response",
            _ => "neither",
        };

    private static int CallCount(string groundTruth) =>
        groundTruth.Split("<tool_call>")[1].Split("</tool_call>")[0].Trim().Split('\n').Length;

    private static string Join<TKey>(IReadOnlyDictionary<TKey, int> counts) where TKey : notnull =>
        counts.Count == 0 ? "-" : string.Join(", ", counts.Select(p => $"{p.Key}: {p.Value}"));
}
