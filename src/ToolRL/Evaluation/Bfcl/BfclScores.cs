using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>One category's figures.</summary>
/// <param name="Category">The category.</param>
/// <param name="Entries">Entries checked.</param>
/// <param name="Correct">Correct responses summed over samples (entries × samples at most).</param>
/// <param name="Accuracy">Correct / (entries × samples): BFCL's accuracy, the mean pass@1 when sampled.</param>
/// <param name="PassAtK">k → mean unbiased pass@k over entries (sampled runs only).</param>
/// <param name="PassHatK">k → mean pass^k over entries (sampled runs only).</param>
public sealed record BfclCategoryScore(string Category, int Entries, int Correct, double Accuracy,
    IReadOnlyDictionary<int, double> PassAtK, IReadOnlyDictionary<int, double> PassHatK);

/// <summary>
/// BFCL v3's summary figures as eval_runner_helper.py computes them (at the last v3 commit):
/// <list type="bullet">
/// <item>non-live AST = unweighted mean of simple, multiple, parallel, parallel_multiple (Python simple only);</item>
/// <item>non-live overall = the same plus irrelevance as a fifth unweighted term;</item>
/// <item>live AST = Σ correct / Σ entries over live_simple, live_multiple, live_parallel, live_parallel_multiple;</item>
/// <item>live overall = the same count weighting, adding live_irrelevance (and live_relevance when present);</item>
/// <item>irrelevance = unweighted mean of irrelevance and live_irrelevance;</item>
/// <item>overall = unweighted mean of non-live overall and live overall (BFCL adds multi-turn overall as a third term,
/// which this evaluation does not run).</item>
/// </list>
/// A figure is null when one of its categories was not evaluated (BFCL would count the missing one as 0).
/// With n samples per entry, every figure uses per-category accuracies = mean pass@1, and the pass@k and pass^k
/// tables apply the same formulas to the per-category pass@k / pass^k.
/// </summary>
public sealed class BfclScores
{
    private BfclScores(int samples, IReadOnlyList<BfclCategoryScore> categories)
    {
        Samples = samples;
        Categories = categories;
        Summary = SummaryOf(c => c.Accuracy);
        var ks = samples > 1 ? KValues(samples) : [];
        PassAtK = ks.ToDictionary(k => k, k => SummaryOf(c => c.PassAtK[k]));
        PassHatK = ks.ToDictionary(k => k, k => SummaryOf(c => c.PassHatK[k]));
    }

    /// <summary>Responses per entry.</summary>
    public int Samples { get; }

    /// <summary>Per-category figures in evaluation order.</summary>
    public IReadOnlyList<BfclCategoryScore> Categories { get; }

    /// <summary>non_live_ast, non_live_overall, live_ast, live_overall, irrelevance, overall (null: not evaluated).</summary>
    public IReadOnlyDictionary<string, double?> Summary { get; }

    /// <summary>k → the summary figures with pass@k in place of accuracy (sampled runs).</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, double?>> PassAtK { get; }

    /// <summary>k → the summary figures with pass^k in place of accuracy (sampled runs).</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, double?>> PassHatK { get; }

    /// <summary>Scores verdicts: every entry must have the same number of samples, numbered 0..n−1.</summary>
    /// <param name="verdicts">One verdict per entry and sample.</param>
    /// <exception cref="ArgumentException">Entries have different sample counts.</exception>
    public static BfclScores Compute(IEnumerable<BfclVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var byEntry = verdicts.GroupBy(v => (v.Category, v.Id)).ToList();
        var samples = byEntry.Count == 0 ? 1 : byEntry[0].Count();
        if (byEntry.Any(g => g.Count() != samples))
        {
            throw new ArgumentException("Every entry needs the same number of sampled responses to score pass@k.", nameof(verdicts));
        }
        var ks = samples > 1 ? KValues(samples) : [];
        var categories = byEntry.GroupBy(g => g.Key.Category).Select(category =>
        {
            var counts = category.Select(entry => (N: samples, C: entry.Count(v => v.Valid))).ToList();
            var correct = counts.Sum(x => x.C);
            return new BfclCategoryScore(category.Key, counts.Count, correct, (double)correct / (counts.Count * samples),
                ks.ToDictionary(k => k, k => global::ToolRL.Evaluation.PassAtK.MeanPassAt(counts, k)),
                ks.ToDictionary(k => k, k => global::ToolRL.Evaluation.PassAtK.MeanPassHat(counts, k)));
        }).ToList();
        return new BfclScores(samples, categories);
    }

    /// <summary>The k reported for n samples: 1, 2, 4, … below n, and n.</summary>
    public static IReadOnlyList<int> KValues(int samples)
    {
        var ks = new List<int>();
        for (var k = 1; k < samples; k *= 2)
        {
            ks.Add(k);
        }
        ks.Add(samples);
        return ks;
    }

    /// <summary>scores.json: per-category figures, the summary, and pass@k / pass^k when sampled.</summary>
    public JsonObject ToJson()
    {
        var categories = new JsonObject();
        foreach (var c in Categories)
        {
            var entry = new JsonObject { ["entries"] = c.Entries, ["correct"] = c.Correct, ["accuracy"] = c.Accuracy };
            if (Samples > 1)
            {
                entry["pass@k"] = KTable(c.PassAtK);
                entry["pass^k"] = KTable(c.PassHatK);
            }
            categories[c.Category] = entry;
        }
        var json = new JsonObject { ["samples"] = Samples, ["categories"] = categories, ["summary"] = SummaryJson(Summary) };
        if (Samples > 1)
        {
            json["pass@k"] = new JsonObject(PassAtK.Select(p => KeyValuePair.Create(Key(p.Key), (JsonNode?)SummaryJson(p.Value))));
            json["pass^k"] = new JsonObject(PassHatK.Select(p => KeyValuePair.Create(Key(p.Key), (JsonNode?)SummaryJson(p.Value))));
        }
        return json;
    }

    /// <summary>A plain-text table: one row per category, then the summary rows (percentages).</summary>
    public string ToTable()
    {
        var ks = Samples > 1 ? KValues(Samples) : [];
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"{"category",-24} {"entries",8} {"correct",8} {"accuracy",9}");
        foreach (var k in ks)
        {
            table.Append(CultureInfo.InvariantCulture, $" {"pass@" + Key(k),9}");
        }
        table.Append('\n');
        foreach (var c in Categories)
        {
            table.Append(CultureInfo.InvariantCulture, $"{c.Category,-24} {c.Entries,8} {c.Correct,8} {Percent(c.Accuracy),9}");
            foreach (var k in ks)
            {
                table.Append(CultureInfo.InvariantCulture, $" {Percent(c.PassAtK[k]),9}");
            }
            table.Append('\n');
        }
        foreach (var (name, value) in Summary)
        {
            table.Append(CultureInfo.InvariantCulture, $"{name,-24} {"",8} {"",8} {Percent(value),9}");
            foreach (var k in ks)
            {
                table.Append(CultureInfo.InvariantCulture, $" {Percent(PassAtK[k][name]),9}");
            }
            table.Append('\n');
        }
        return table.ToString();
    }

    private IReadOnlyDictionary<string, double?> SummaryOf(Func<BfclCategoryScore, double> figure)
    {
        var byName = Categories.ToDictionary(c => c.Category);
        double? Unweighted(IEnumerable<string> names) =>
            names.All(byName.ContainsKey) ? names.Average(n => figure(byName[n])) : null;
        double? Weighted(IEnumerable<string> names, IEnumerable<string> optional)
        {
            if (!names.All(byName.ContainsKey))
            {
                return null;
            }
            var included = names.Concat(optional.Where(byName.ContainsKey)).Select(n => byName[n]).ToList();
            return included.Sum(c => figure(c) * c.Entries) / included.Sum(c => c.Entries);
        }
        var nonLiveAst = Unweighted(BfclCategories.NonLiveAst);
        var nonLiveOverall = Unweighted([.. BfclCategories.NonLiveAst, "irrelevance"]);
        var liveAst = Weighted(BfclCategories.LiveAst, []);
        var liveOverall = Weighted([.. BfclCategories.LiveAst, "live_irrelevance"], ["live_relevance"]);
        return new Dictionary<string, double?>
        {
            ["non_live_ast"] = nonLiveAst,
            ["non_live_overall"] = nonLiveOverall,
            ["live_ast"] = liveAst,
            ["live_overall"] = liveOverall,
            ["irrelevance"] = Unweighted(["irrelevance", "live_irrelevance"]),
            ["overall"] = nonLiveOverall is { } a && liveOverall is { } b ? (a + b) / 2 : null,
        };
    }

    private static JsonObject SummaryJson(IReadOnlyDictionary<string, double?> summary) =>
        new(summary.Select(p => KeyValuePair.Create(p.Key, p.Value is { } v ? (JsonNode?)v : null)));

    private static JsonObject KTable(IReadOnlyDictionary<int, double> table) =>
        new(table.Select(p => KeyValuePair.Create(Key(p.Key), (JsonNode?)p.Value)));

    private static string Key(int k) => k.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double? value) => value is { } v ? (100 * v).ToString("0.00", CultureInfo.InvariantCulture) : "-";
}
