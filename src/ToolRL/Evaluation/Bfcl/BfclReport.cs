using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Models;
using ToolRL.Rewards.Python;
using ToolRL.Torch.IO;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>One model response to a BFCL entry (a line <c>{"id", "category", "response"}</c> of a responses file).</summary>
/// <param name="Id">The entry id.</param>
/// <param name="Category">The entry's category.</param>
/// <param name="Response">The model's text.</param>
public sealed record BfclResponse(string Id, string Category, string Response);

/// <summary>Reads responses files and writes the evaluation's <c>verdicts.jsonl</c> and <c>scores.json</c>.</summary>
public static class BfclReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads a JSON Lines file of <c>{"id", "category", "response"}</c>; several lines for one id are its samples, in order.</summary>
    /// <exception cref="FormatException">A line is not such an object (the message names file and line).</exception>
    public static IReadOnlyList<BfclResponse> ReadResponses(string path)
    {
        var responses = new List<BfclResponse>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var row = PyJson.Parse(line, out var error)?.Dict ?? throw new FormatException($"{path}:{number}: not a JSON object ({error ?? "another JSON value"}).");
            string Field(string name) => row.Get(name)?.Text
                ?? throw new FormatException($"{path}:{number}: needs a string \"{name}\"; each line is {{\"id\": …, \"category\": …, \"response\": …}}.");
            responses.Add(new BfclResponse(Field("id"), Field("category"), Field("response")));
        }
        return responses;
    }

    /// <summary>
    /// Checks every response against its entry. Each entry of <paramref name="entries"/> needs the same number of
    /// responses (its samples); a response to an entry not in <paramref name="entries"/> is an error too.
    /// </summary>
    /// <exception cref="ArgumentException">Responses are missing, unknown, or of uneven sample counts (the message lists examples).</exception>
    public static IReadOnlyList<BfclVerdict> CheckAll(IReadOnlyList<BfclEntry> entries, IEnumerable<BfclResponse> responses)
    {
        var byKey = entries.ToDictionary(e => (e.Category, e.Id));
        var grouped = new Dictionary<(string, string), List<string>>();
        var unknown = new List<string>();
        foreach (var r in responses)
        {
            if (!byKey.ContainsKey((r.Category, r.Id)))
            {
                unknown.Add($"{r.Category}/{r.Id}");
                continue;
            }
            if (!grouped.TryGetValue((r.Category, r.Id), out var list))
            {
                grouped[(r.Category, r.Id)] = list = [];
            }
            list.Add(r.Response);
        }
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{unknown.Count} responses name entries that are not in the evaluated data (e.g. {string.Join(", ", unknown.Take(3))}); fix: check --data and --categories.");
        }
        var missing = entries.Where(e => !grouped.ContainsKey((e.Category, e.Id))).Select(e => e.Id).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"{missing.Count} entries have no response (e.g. {string.Join(", ", missing.Take(3))}); fix: give a response for every entry of the chosen categories, or choose fewer (--categories, --limit).");
        }
        var samples = grouped.Values.Select(v => v.Count).Distinct().ToList();
        if (samples.Count > 1)
        {
            throw new ArgumentException($"entries have different numbers of responses ({string.Join(", ", samples.Order())}); pass@k needs the same number for every entry.");
        }
        return [.. entries.SelectMany(e => grouped[(e.Category, e.Id)].Select((text, i) => BfclEvaluation.Check(e, text, i)))];
    }

    /// <summary>One <c>verdicts.jsonl</c> line: id, category, (sample when sampled), valid, error_type, decoded, error.</summary>
    public static string VerdictLine(BfclVerdict verdict, bool withSample)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var line = new StringBuilder("{\"id\": ");
        AppendString(line, verdict.Id);
        line.Append(", \"category\": ");
        AppendString(line, verdict.Category);
        if (withSample)
        {
            line.Append(", \"sample\": ").Append(verdict.Sample);
        }
        line.Append(", \"valid\": ").Append(verdict.Valid ? "true" : "false").Append(", \"error_type\": ");
        if (verdict.ErrorType is null)
        {
            line.Append("null");
        }
        else
        {
            AppendString(line, verdict.ErrorType);
        }
        // decoded is written as the JSON it is, so floats keep their ".0" (5.0 is not 5 to the checker).
        line.Append(", \"decoded\": ").Append(verdict.Decoded);
        if (verdict.Error is not null)
        {
            line.Append(", \"error\": ");
            AppendString(line, verdict.Error);
        }
        return line.Append('}').ToString();
    }

    /// <summary>Writes <c>verdicts.jsonl</c> and <c>scores.json</c> into <paramref name="directory"/> (created if needed), each
    /// through a temporary file so a reader never sees half a file.</summary>
    public static void Write(string directory, IReadOnlyList<BfclVerdict> verdicts, BfclScores scores)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(scores);
        Directory.CreateDirectory(directory);
        var withSample = scores.Samples > 1;
        AtomicFile.WriteAllText(Path.Combine(directory, "verdicts.jsonl"), string.Concat(verdicts.Select(v => VerdictLine(v, withSample) + "\n")));
        AtomicFile.WriteAllText(Path.Combine(directory, "scores.json"), scores.ToJson().ToJsonString(Indented) + "\n");
    }

    /// <summary>Writes <c>responses.jsonl</c> into <paramref name="directory"/> in the format <see cref="ReadResponses"/> reads,
    /// so generated texts can be checked again (e.g. by a newer checker) without the model.</summary>
    public static void WriteResponses(string directory, IEnumerable<BfclResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        Directory.CreateDirectory(directory);
        var lines = new StringBuilder();
        foreach (var r in responses)
        {
            lines.Append("{\"id\": ");
            AppendString(lines, r.Id);
            lines.Append(", \"category\": ");
            AppendString(lines, r.Category);
            lines.Append(", \"response\": ");
            AppendString(lines, r.Response);
            lines.Append("}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(directory, "responses.jsonl"), lines.ToString());
    }

    private static void AppendString(StringBuilder builder, string text) => Tokenization.PythonJson.WriteString(builder, text);
}
