using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Torch;

namespace ToolRL.Tests.Algorithms;

/// <summary>
/// The python3-torch reference numbers (tools/algorithms/make_fixtures.py, float64) and helpers to turn their
/// nested lists into tensors.
/// </summary>
internal static class AlgorithmFixtures
{
    public const double Tolerance = 1e-6;

    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "algorithms", "algorithms_fixtures.json")))!.AsObject());

    public static JsonNode Get(string name) => Root.Value[name]!;

    /// <summary>A nested list as a tensor of <paramref name="dtype"/>.</summary>
    public static Tensor Tensor(JsonNode node, DType dtype = DType.Float64)
    {
        var shape = new List<long>();
        for (var n = node; n is JsonArray a; n = a.Count > 0 ? a[0] : null)
        {
            shape.Add(a.Count);
        }
        var values = Flatten(node).ToArray();
        var t = torch.FromArray(values, [.. shape]);
        return dtype == DType.Float64 ? t : t.To(dtype);
    }

    public static long[] Longs(JsonNode node) => Flatten(node).Select(v => (long)v).ToArray();

    public static Tensor LongTensor(JsonNode node)
    {
        var shape = new List<long>();
        for (var n = node; n is JsonArray a; n = a.Count > 0 ? a[0] : null)
        {
            shape.Add(a.Count);
        }
        return torch.FromArray(Longs(node), [.. shape]);
    }

    public static double Number(JsonNode node) => node.GetValue<double>();

    /// <summary>Asserts every element is within <paramref name="tolerance"/> (absolute + relative) of the reference.</summary>
    public static void AssertClose(JsonNode expected, Tensor actual, double tolerance = Tolerance)
    {
        var want = Flatten(expected).ToArray();
        var got = actual.To(DType.Float64).Contiguous().ToArray<double>();
        Assert.Equal(want.Length, got.Length);
        for (var i = 0; i < want.Length; i++)
        {
            Assert.True(Math.Abs(want[i] - got[i]) <= tolerance * (1 + Math.Abs(want[i])), $"element {i}: expected {want[i]:R}, got {got[i]:R}");
        }
    }

    public static void AssertClose(double expected, double actual, double tolerance = Tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");

    private static IEnumerable<double> Flatten(JsonNode node) => node is JsonArray array
        ? array.SelectMany(item => Flatten(item!))
        : [node.GetValue<double>()];
}
