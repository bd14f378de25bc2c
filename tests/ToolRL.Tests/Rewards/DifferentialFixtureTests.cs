using System.IO.Compression;
using ToolRL.Rewards;
using ToolRL.Rewards.Python;
using ToolRL.Testing;

namespace ToolRL.Tests.Rewards;

/// <summary>
/// 3,000 synthetic ground truths with hostile responses and random switches, scored by the independent Python
/// port (tools/rewards/rlla_port.py, itself checked against all published vectors). Lines are read with our
/// own Python-compatible JSON parser because they contain lone surrogates, which System.Text.Json refuses.
/// </summary>
public class DifferentialFixtureTests
{
    private static readonly string FixturePath = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "rewards", "differential.jsonl.gz");

    [Fact]
    public void EveryCaseMatchesThePythonOracleBitExactly()
    {
        var failures = new List<string>();
        var cases = 0;
        var crashes = 0;
        foreach (var line in ReadLines())
        {
            cases++;
            var row = PyJson.Parse(line)!.Dict!;
            var id = row.Get("id")!.Text!;
            var groundTruth = row.Get("ground_truth")!.Text!;
            var response = row.Get("response")!.Text!;
            var options = OptionsFrom(row.Get("flags")!.Dict!);
            var step = (int)row.Get("step")!.Integer;
            var expected = row.Get("expected")!;
            if (expected.Kind == PyKind.Str)
            {
                crashes++;
                Assert.NotNull(ToolRLGroundTruth.Validate(groundTruth));
                Assert.Throws<InvalidGroundTruthException>(() => ToolRLReward.Score(response, groundTruth, options, step));
                continue;
            }
            Assert.Null(ToolRLGroundTruth.Validate(groundTruth));
            var want = expected.Items!.Select(AsDouble).ToArray();
            var got = ToolRLReward.Score(response, groundTruth, options, step);
            if (got != new ToolRLScore(want[0], want[1], want[2], want[3]))
            {
                failures.Add($"{id} step {step} {options.ToJson().ToJsonString()}: expected ({string.Join(", ", want)}), got {got}");
            }
        }
        Assert.Equal(3000, cases);
        Assert.InRange(crashes, 50, 400);
        Assert.True(failures.Count == 0, $"{failures.Count} cases differ:\n{string.Join("\n", failures.Take(20))}");
    }

    /// <summary>The fixture's (response, ground truth) pairs whose ground truth is valid: seeds for the reward fuzz test.</summary>
    internal static IEnumerable<(string Response, string GroundTruth)> ValidPairs() =>
        ReadLines()
            .Select(line => PyJson.Parse(line)!.Dict!)
            .Select(row => (Response: row.Get("response")!.Text!, GroundTruth: row.Get("ground_truth")!.Text!))
            .Where(pair => ToolRLGroundTruth.Validate(pair.GroundTruth) is null);

    private static IEnumerable<string> ReadLines()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(FixturePath), CompressionMode.Decompress));
        while (reader.ReadLine() is string line)
        {
            yield return line;
        }
    }

    private static ToolRLRewardOptions OptionsFrom(PyDict flags)
    {
        var json = new System.Text.Json.Nodes.JsonObject();
        for (var i = 0; i < flags.Count; i++)
        {
            json[flags.KeyAt(i)] = flags.ValueAt(i).Integer;
        }
        return ToolRLRewardOptions.FromJson(json);
    }

    private static double AsDouble(PyValue number) => number.Kind == PyKind.Float ? number.Float : number.Integer;
}
