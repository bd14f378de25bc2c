using System.Text.Json;
using ToolRL.Torch;

namespace ToolRL.Torch.Tests;

/// <summary>Reads the python3-torch fixtures (tools/torch/*.py) and turns their tensors into ours.</summary>
internal static class Fixture
{
    public static JsonElement Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        return JsonDocument.Parse(File.ReadAllBytes(path)).RootElement;
    }

    public static double[] Data(JsonElement t) =>
        t.GetProperty("data").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? double.Parse(v.GetString()!.Replace("inf", "Infinity"), System.Globalization.CultureInfo.InvariantCulture)
            : v.GetDouble()).ToArray();

    public static long[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();

    public static Tensor ToTensor(JsonElement t)
    {
        var shape = Shape(t);
        var data = Data(t);
        return t.GetProperty("dtype").GetString() switch
        {
            "f32" => torch.FromSpan<float>(data.Select(d => (float)d).ToArray(), shape),
            "f64" => torch.FromSpan<double>(data, shape),
            "i64" => torch.FromSpan<long>(data.Select(d => (long)d).ToArray(), shape),
            "bool" => torch.FromSpan<bool>(data.Select(d => d != 0).ToArray(), shape),
            var other => throw new InvalidDataException($"fixture dtype {other}"),
        };
    }

    /// <summary>Asserts shape and values (NaN matches NaN; ±∞ must match exactly).</summary>
    public static void AssertClose(JsonElement expected, Tensor actual, double tol, string what)
    {
        Assert.True(Shape(expected).AsSpan().SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(",", actual.Shape)}] != expected [{string.Join(",", Shape(expected))}]");
        var want = Data(expected);
        var got = actual.ToArray<double>();
        for (var i = 0; i < want.Length; i++)
        {
            var ok = double.IsNaN(want[i]) ? double.IsNaN(got[i])
                : double.IsInfinity(want[i]) ? want[i] == got[i]
                : Math.Abs(want[i] - got[i]) <= tol * (1 + Math.Abs(want[i]));
            Assert.True(ok, $"{what}[{i}]: got {got[i]:R}, expected {want[i]:R}");
        }
    }
}
