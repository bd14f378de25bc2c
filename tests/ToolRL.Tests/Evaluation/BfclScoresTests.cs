using System.Text.Json.Nodes;
using ToolRL.Evaluation.Bfcl;

namespace ToolRL.Tests.Evaluation;

/// <summary>
/// scores.json's summary over all ten categories, against figures worked out by hand from BFCL v3's formulas
/// (eval_runner_helper.py: non-live unweighted, live weighted by entry count, irrelevance the mean of the two,
/// overall the mean of non-live and live overall), greedy and with samples (pass@k, pass^k).
/// </summary>
public sealed class BfclScoresTests
{
    /// <summary>One verdict per entry and sample: entry e of a category has correct[e] valid samples out of n.</summary>
    private static List<BfclVerdict> Verdicts(int samples, params (string Category, int[] Correct)[] categories) =>
        [.. categories.SelectMany(c => c.Correct.SelectMany((correct, entry) => Enumerable.Range(0, samples).Select(sample =>
            new BfclVerdict($"{c.Category}_{entry}", c.Category, sample, sample < correct, sample < correct ? null : "value_error:string", null, "[]"))))];

    private static double Figure(JsonNode? node) => node!.GetValue<double>();

    [Fact]
    public void Greedy_summary_is_unweighted_for_non_live_and_count_weighted_for_live()
    {
        // One sample: an entry is 1 (correct) or 0.
        var scores = BfclScores.Compute(Verdicts(1,
            ("simple", [1, 1, 1, 0]),                 // 0.75
            ("multiple", [1, 0]),                     // 0.5
            ("parallel", [1, 1]),                     // 1
            ("parallel_multiple", [1, 0, 0, 0]),      // 0.25
            ("irrelevance", [1, 1, 1, 1, 0]),         // 0.8
            ("live_simple", [1, 1, 0]),               // 2/3
            ("live_multiple", [1, 1, 1, 0, 0, 0]),    // 0.5
            ("live_parallel", [0]),                   // 0
            ("live_parallel_multiple", [1, 0]),       // 0.5
            ("live_irrelevance", [1, 0, 0, 0])));     // 0.25
        var json = scores.ToJson();
        var summary = json["summary"]!;

        Assert.Equal(1, json["samples"]!.GetValue<int>());
        Assert.Null(json["pass@k"]);
        Assert.Equal(2.0 / 3, Figure(json["categories"]!["live_simple"]!["accuracy"]), 15);
        Assert.Equal(6, json["categories"]!["live_multiple"]!["entries"]!.GetValue<int>());
        Assert.Equal(3, json["categories"]!["live_multiple"]!["correct"]!.GetValue<int>());
        Assert.Equal(0.625, Figure(summary["non_live_ast"]), 15);              // (0.75 + 0.5 + 1 + 0.25) / 4
        Assert.Equal(0.66, Figure(summary["non_live_overall"]), 15);           // (2.5 + 0.8) / 5
        Assert.Equal(0.5, Figure(summary["live_ast"]), 15);                    // (2 + 3 + 0 + 1) / (3 + 6 + 1 + 2); unweighted would be 0.4167
        Assert.Equal(0.4375, Figure(summary["live_overall"]), 15);             // (6 + 1) / (12 + 4)
        Assert.Equal(0.525, Figure(summary["irrelevance"]), 15);               // (0.8 + 0.25) / 2
        Assert.Equal(0.54875, Figure(summary["overall"]), 15);                 // (0.66 + 0.4375) / 2

        Assert.Contains("live_ast", scores.ToTable(), StringComparison.Ordinal);
        Assert.Contains("50.00", scores.ToTable(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sampled_runs_report_mean_pass_at_1_and_pass_at_k_and_pass_hat_k_through_the_same_formulas()
    {
        // Two samples per entry: pass@1 = c/2, pass@2 = [c ≥ 1], pass^2 = [c = 2].
        var scores = BfclScores.Compute(Verdicts(2,
            ("simple", [2, 1, 0, 0]),                 // pass@1 3/8   pass@2 1/2   pass^2 1/4
            ("multiple", [1, 1]),                     //        1/2          1            0
            ("parallel", [2]),                        //        1            1            1
            ("parallel_multiple", [0, 2]),            //        1/2          1/2          1/2
            ("irrelevance", [2, 2, 1, 0]),            //        5/8          3/4          1/2
            ("live_simple", [1]),                     //        1/2          1            0
            ("live_multiple", [2, 2, 0]),             //        2/3          2/3          2/3
            ("live_parallel", [0]),                   //        0            0            0
            ("live_parallel_multiple", [1, 0, 0, 0]), //        1/8          1/4          0
            ("live_irrelevance", [2, 1])));           //        3/4          1            1/2
        var json = scores.ToJson();

        Assert.Equal(2, json["samples"]!.GetValue<int>());
        Assert.Equal([1, 2], BfclScores.KValues(2));
        var simple = json["categories"]!["simple"]!;
        Assert.Equal(0.375, Figure(simple["accuracy"]), 15);
        Assert.Equal(0.375, Figure(simple["pass@k"]!["1"]), 15);
        Assert.Equal(0.5, Figure(simple["pass@k"]!["2"]), 15);
        Assert.Equal(0.25, Figure(simple["pass^k"]!["2"]), 15);

        // Accuracy = mean pass@1, summarised as BFCL summarises accuracy.
        var summary = json["summary"]!;
        Assert.Equal(0.59375, Figure(summary["non_live_ast"]), 15);            // (3/8 + 1/2 + 1 + 1/2) / 4
        Assert.Equal(1.0 / 3, Figure(summary["live_ast"]), 15);                // (1·1/2 + 3·2/3 + 1·0 + 4·1/8) / 9
        foreach (var (name, value) in summary.AsObject())
        {
            Assert.Equal(Figure(value), Figure(json["pass@k"]!["1"]![name]), 15);
        }

        var at2 = json["pass@k"]!["2"]!;
        Assert.Equal(0.75, Figure(at2["non_live_ast"]), 15);                   // (1/2 + 1 + 1 + 1/2) / 4
        Assert.Equal(0.75, Figure(at2["non_live_overall"]), 15);               // (3 + 3/4) / 5
        Assert.Equal(4.0 / 9, Figure(at2["live_ast"]), 15);                    // (1 + 2 + 0 + 1) / 9
        Assert.Equal(6.0 / 11, Figure(at2["live_overall"]), 15);               // (4 + 2·1) / 11
        Assert.Equal(0.875, Figure(at2["irrelevance"]), 15);                   // (3/4 + 1) / 2
        Assert.Equal((0.75 + 6.0 / 11) / 2, Figure(at2["overall"]), 15);

        var hat2 = json["pass^k"]!["2"]!;
        Assert.Equal(0.4375, Figure(hat2["non_live_ast"]), 15);                // (1/4 + 0 + 1 + 1/2) / 4
        Assert.Equal(2.0 / 9, Figure(hat2["live_ast"]), 15);                   // (0 + 3·2/3 + 0 + 0) / 9
        Assert.Equal(0.5, Figure(hat2["irrelevance"]), 15);                    // (1/2 + 1/2) / 2
        Assert.Contains("pass@2", scores.ToTable(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_figure_with_a_category_missing_is_null_and_uneven_samples_are_refused()
    {
        var scores = BfclScores.Compute(Verdicts(1, ("simple", [1]), ("live_simple", [0, 1]), ("live_irrelevance", [1])));
        var summary = scores.ToJson()["summary"]!;
        Assert.Null(summary["non_live_ast"]);
        Assert.Null(summary["live_ast"]);
        Assert.Null(summary["overall"]);

        var uneven = Verdicts(2, ("simple", [1, 1])).Take(3);
        var error = Assert.Throws<ArgumentException>(() => BfclScores.Compute(uneven));
        Assert.Contains("same number of sampled responses", error.Message, StringComparison.Ordinal);
    }
}
