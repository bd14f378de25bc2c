using ToolRL.Algorithms;
using ToolRL.Torch;

namespace ToolRL.Tests.Algorithms;

public sealed class ArgumentCreditAdvantageTests
{
    // Values worked by hand: scores [1, 0, 0] have mean 1/3 and unbiased std sqrt(((2/3)² + 2·(1/3)²)/2) = sqrt(1/3).
    private static readonly double Right = (2.0 / 3) / (Math.Sqrt(1.0 / 3) + GrpoAdvantage.DefaultEpsilon);
    private static readonly double Wrong = (-1.0 / 3) / (Math.Sqrt(1.0 / 3) + GrpoAdvantage.DefaultEpsilon);

    private static double[][] Run(double[,] outcome, double[,] mask, IReadOnlyList<IReadOnlyList<CreditSpan>?> spans, long[] groups,
        bool normalizeByStd, out double fraction)
    {
        using var scope = torch.NewScope();
        var (rows, width) = (outcome.GetLength(0), outcome.GetLength(1));
        var a = torch.FromArray(outcome.Cast<double>().Select(v => (float)v).ToArray(), rows, width);
        var m = torch.FromArray(mask.Cast<double>().Select(v => (float)v).ToArray(), rows, width);
        var (result, credited) = ArgumentCreditAdvantage.Apply(a, m, spans, groups, normalizeByStd: normalizeByStd);
        fraction = credited;
        Assert.Equal(DType.Float32, result.DType);
        var flat = result.To(DType.Float64).ToArray<double>();
        return Enumerable.Range(0, rows).Select(r => flat.Skip(r * width).Take(width).ToArray()).ToArray();
    }

    [Fact]
    public void SpanTokensTakeTheirDecisionsGroupAdvantageAndOthersKeepTheOutcome()
    {
        var outcome = new double[,] { { 0.5, 0.5, 0.5, 0.5 }, { -1, -1, -1, -1 }, { 0.5, 0.5, 0.5, 0 }, { 9, 9, 9, 9 } };
        var mask = new double[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 1 }, { 1, 1, 1, 0 }, { 1, 1, 1, 1 } };
        var spans = new IReadOnlyList<CreditSpan>?[]
        {
            [new(1, 2, "0.x", 1), new(3, 1, "0.y", 1)],  // x right; y: only this member made it
            [new(1, 1, "0.x", 0), new(0, 1, "0.z", 1)],  // x wrong; z: all who made it scored alike
            [new(2, 2, "0.x", 0), new(0, 1, "0.z", 1)],  // x wrong, its span runs onto a padded token
            [new(0, 2, "0.x", 1)],                        // another group: alone with its key
        };
        var got = Run(outcome, mask, spans, [0, 0, 0, 1], normalizeByStd: true, out var fraction);

        AssertRow([0.5, Right, Right, 0.5], got[0]);
        AssertRow([0, Wrong, -1, -1], got[1]);
        AssertRow([0, 0.5, Wrong, 0], got[2]);
        AssertRow([9, 9, 9, 9], got[3]);
        Assert.Equal(6.0 / 15, fraction, 12); // x: 2 + 1 + 1 tokens, z: 1 + 1; y and group 1 stay
    }

    [Fact]
    public void WithoutStdNormalisationTheAdvantageIsScoreMinusMean()
    {
        var outcome = new double[,] { { 1, 1 }, { 1, 1 } };
        var mask = new double[,] { { 1, 1 }, { 1, 1 } };
        var spans = new IReadOnlyList<CreditSpan>?[] { [new(1, 1, "0.x", 1)], [new(1, 1, "0.x", 0)] };
        var got = Run(outcome, mask, spans, [4, 4], normalizeByStd: false, out _);
        AssertRow([1, 0.5], got[0]);
        AssertRow([1, -0.5], got[1]);
    }

    [Fact]
    public void ResponsesWithoutSpansAreUnchanged()
    {
        var outcome = new double[,] { { 1, 2 }, { 3, 4 } };
        var got = Run(outcome, new double[,] { { 1, 1 }, { 1, 1 } }, [null, []], [0, 0], normalizeByStd: true, out var fraction);
        AssertRow([1, 2], got[0]);
        AssertRow([3, 4], got[1]);
        Assert.Equal(0, fraction);
    }

    [Fact]
    public void OneSpanListPerResponseIsRequired()
    {
        using var scope = torch.NewScope();
        var a = torch.Zeros([2, 3]);
        var e = Assert.Throws<ArgumentException>(() => ArgumentCreditAdvantage.Apply(a, a, [null], [0, 0]));
        Assert.Contains("spans has 1 entries but the batch has 2", e.Message);
    }

    private static void AssertRow(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }
}
