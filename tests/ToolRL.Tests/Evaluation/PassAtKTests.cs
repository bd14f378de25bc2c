using System.Text.Json.Nodes;
using ToolRL.Evaluation;
using ToolRL.Testing;

namespace ToolRL.Tests.Evaluation;

/// <summary>pass@k and pass^k against exact rationals (tools/evaluation/make_pass_at_k_fixture.py: math.comb, Fraction).</summary>
public sealed class PassAtKTests
{
    private static readonly JsonArray Cases = JsonNode.Parse(File.ReadAllText(
        TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "evaluation", "pass_at_k.json")))!["cases"]!.AsArray();

    [Fact]
    public void Every_fixture_case_matches_the_exact_value_to_a_few_ulps()
    {
        Assert.True(Cases.Count > 400);
        foreach (var row in Cases)
        {
            int n = (int)row!["n"]!, c = (int)row["c"]!, k = (int)row["k"]!;
            AssertClose((double)row["pass_at_k"]!, PassAtK.PassAt(n, c, k), $"pass@{k} n={n} c={c}");
            AssertClose((double)row["pass_hat_k"]!, PassAtK.PassHat(n, c, k), $"pass^{k} n={n} c={c}");
        }
    }

    [Fact]
    public void Hand_computed_values()
    {
        // n=5, c=2, k=2: C(3,2)/C(5,2) = 3/10 → pass@2 = 0.7; C(2,2)/C(5,2) = 1/10.
        Assert.Equal(0.7, PassAtK.PassAt(5, 2, 2), 15);
        Assert.Equal(0.1, PassAtK.PassHat(5, 2, 2), 15);
        // k = 1: both are c/n.
        Assert.Equal(0.375, PassAtK.PassAt(8, 3, 1), 15);
        Assert.Equal(0.375, PassAtK.PassHat(8, 3, 1), 15);
        // k = n: pass@n is "any correct", pass^n is "all correct".
        Assert.Equal(1.0, PassAtK.PassAt(4, 1, 4));
        Assert.Equal(0.0, PassAtK.PassHat(4, 3, 4));
        Assert.Equal(1.0, PassAtK.PassHat(4, 4, 4));
    }

    [Fact]
    public void A_small_pass_at_k_keeps_its_relative_precision_at_large_n()
    {
        // One correct of a million, k = 1: exactly 1e-6. 1 − ∏(1 − k/i) would lose ~6 digits to cancellation.
        Assert.Equal(1e-6, PassAtK.PassAt(1_000_000, 1, 1), 1e-6 * 1e-14);
        // C(n−1,k)/C(n,k) = (n−k)/n, so pass@k = k/n exactly for c = 1.
        Assert.Equal(7.0 / 1_000_000, PassAtK.PassAt(1_000_000, 1, 7), 7e-6 * 1e-14);
    }

    [Fact]
    public void Means_average_per_problem_estimates()
    {
        var problems = new[] { (5, 2), (5, 0), (5, 5) };
        Assert.Equal((0.7 + 0 + 1) / 3, PassAtK.MeanPassAt(problems, 2), 15);
        Assert.Equal((0.1 + 0 + 1) / 3, PassAtK.MeanPassHat(problems, 2), 15);
        Assert.Throws<ArgumentException>(() => PassAtK.MeanPassAt([], 1));
    }

    [Theory]
    [InlineData(0, 0, 1, "n")]
    [InlineData(4, 5, 1, "c")]
    [InlineData(4, -1, 1, "c")]
    [InlineData(4, 2, 5, "k")]
    [InlineData(4, 2, 0, "k")]
    public void Out_of_range_arguments_are_refused_by_name(int n, int c, int k, string parameter)
    {
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.PassAt(n, c, k)).ParamName);
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.PassHat(n, c, k)).ParamName);
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        var tolerance = Math.Max(Math.Abs(expected) * 1e-13, 1e-300);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }
}
