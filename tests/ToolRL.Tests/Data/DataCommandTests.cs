using ToolRL.Cli;
using ToolRL.Data;
using ToolRL.Testing;
using ToolRL.Torch.IO;

namespace ToolRL.Tests.Data;

/// <summary>The <c>toolrl data</c> commands, run in process.</summary>
public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-datacli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ReferenceFact]
    public void ConvertTurnsTheRllaParquetIntoItsJsonlTwinByteForByte()
    {
        var output = Path.Combine(_dir, "test.jsonl");

        var (code, _, _) = Run("data", "convert", "--input", TestPaths.Reference("data", "rlla", "test.parquet"), "--output", output);

        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllBytes(TestPaths.Reference("data", "rlla", "test.jsonl")), File.ReadAllBytes(output));
    }

    [ReferenceFact]
    public void StatsReportsTheRllaTestSplitCounts()
    {
        var (code, stdout, _) = Run("data", "stats", "--input", TestPaths.Reference("data", "rlla", "test.parquet"));

        Assert.Equal(0, code);
        Assert.Contains("rows: 80 (80 valid RL rows)", stdout);
        Assert.Contains("ground truths: response: 9, tool_call: 71", stdout);
        Assert.Contains("calls per tool ground truth: 1: 36, 2: 23, 3: 8, 4: 3, 5: 1", stdout);
    }

    [Fact]
    public void SynthWritesTheSameRowsAsTheLibrary()
    {
        var train = Path.Combine(_dir, "train.jsonl");
        var test = Path.Combine(_dir, "test.jsonl");

        var (code, _, _) = Run("data", "synth", "--count", "30", "--seed", "5", "--difficulty", "tiny", "--output", train, "--test-count", "5", "--test-output", test);

        var (expectedTrain, expectedTest) = SyntheticToolTask.GenerateSplit(30, 5, 5, SyntheticTaskOptions.Tiny);
        Assert.Equal(0, code);
        Assert.Equal(expectedTrain.Select(r => JsonLines.ToLine(r.Raw)), File.ReadAllLines(train));
        Assert.Equal(expectedTest.Select(r => JsonLines.ToLine(r.Raw)), File.ReadAllLines(test));
    }

    [Fact]
    public void ABrokenInputIsReportedWithExitCode2()
    {
        var broken = Path.Combine(_dir, "broken.parquet");
        File.WriteAllBytes(broken, "PAR1 not really parquet"u8.ToArray());

        var (code, _, stderr) = Run("data", "stats", "--input", broken);

        Assert.Equal(2, code);
        Assert.Contains("broken.parquet", stderr);
        Assert.Contains("PAR1", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
