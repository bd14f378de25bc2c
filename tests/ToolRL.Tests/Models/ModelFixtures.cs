using System.Text.Json;
using ToolRL.Testing;
using ToolRL.Torch;

namespace ToolRL.Tests.Models;

/// <summary>Paths of the model fixtures and helpers to read float64 references and compare against them.</summary>
internal static class ModelFixtures
{
    private static readonly Lazy<string> TinyFolder = new(MaterializeTiny);

    /// <summary>
    /// The tiny model as a complete Hugging Face folder (tools/model/make_fixtures.py: hidden 8, 2 layers, GQA 2:1,
    /// tied, Qwen2.5's 151,936-row vocabulary, BF16) with the Qwen2.5 tokenizer files beside it, in the temp directory.
    /// </summary>
    public static string TinyDir => TinyFolder.Value;

    /// <summary>Second model (tools/model/make_fixtures.py): untied, GQA 6:2, vocab 512, BF16.</summary>
    public static string GqaDir => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "gqa3-untied");

    /// <summary>The same weights as <see cref="GqaDir"/>, F32, in two shards with an index.</summary>
    public static string GqaShardedDir => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "gqa3-untied-sharded");

    public static JsonElement TinyReference() => Read(Path.Combine(TinyDir, "reference_outputs.json"));

    private static string MaterializeTiny()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"toolrl-tiny-random-qwen2-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "tiny-random-qwen2")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        foreach (var file in Directory.GetFiles(Tokenization.SharedQwenTokenizer.Folder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return folder;
    }

    public static JsonElement GqaReference() =>
        Read(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "gqa3-untied.reference.json"));

    private static JsonElement Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    public static double[] Vector(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static long[] Ids(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    public static double[] Flat(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e[0].ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().SelectMany(Flat).ToArray()
            : Vector(e);

    /// <summary>[1, n] int64 tensor of ids.</summary>
    public static Tensor Row(long[] ids) => torch.FromArray(ids, 1, ids.Length);

    /// <summary>Asserts |actual − expected| ≤ rtol·|expected| + atol element-wise, reporting the worst element.</summary>
    public static void AssertClose(double[] expected, Tensor actual, double rtol = 1e-4, double atol = 1e-5, string what = "")
    {
        var values = actual.To(DType.Float64).Contiguous().ToArray<double>();
        AssertClose(expected, values, rtol, atol, what);
    }

    public static void AssertClose(double[] expected, IReadOnlyList<double> actual, double rtol = 1e-4, double atol = 1e-5, string what = "")
    {
        Assert.Equal(expected.Length, actual.Count);
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var excess = Math.Abs(actual[i] - expected[i]) - (rtol * Math.Abs(expected[i]) + atol);
            if (excess > worstExcess || double.IsNaN(actual[i]))
            {
                worstExcess = double.IsNaN(actual[i]) ? double.PositiveInfinity : excess;
                worst = i;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"{what}: element {worst} is {actual[worst]}, expected {expected[worst]} (rtol {rtol}, atol {atol})");
    }
}
