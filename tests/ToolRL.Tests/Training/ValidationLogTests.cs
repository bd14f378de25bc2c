using System.Text.Json;
using ToolRL.Training.Metrics;
using ToolRL.Training.Validation;

namespace ToolRL.Tests.Training;

/// <summary>
/// validation/*.jsonl rows: text kept readable, and non-finite rewards (a user's reward function may return one)
/// written as "NaN" / "Infinity" / "-Infinity" strings, the same form metrics.jsonl uses for non-finite metrics.
/// </summary>
public sealed class ValidationLogTests : IDisposable
{
    private readonly TempDirectory _temp = new("validation");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void NonFiniteScoresAreWrittenAsMetricsJsonlWritesThem()
    {
        var rows = new[]
        {
            new ValidationGeneration(0, "Wie spät ist es?", "<tool_call>", "gt", double.NaN,
                new Dictionary<string, double> { ["toolrl/format"] = double.PositiveInfinity, ["toolrl/correctness"] = double.NegativeInfinity }, false),
            new ValidationGeneration(1, "q", "r", "gt", 1.5, new Dictionary<string, double> { ["toolrl/format"] = 1 }, null),
        };
        var path = ValidationLog.Write(_temp.Path, ValidationLog.StepFileName(3), rows);

        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Contains("Wie spät ist es?", lines[0]);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("NaN", first.RootElement.GetProperty("reward").GetString());
        Assert.Equal("Infinity", first.RootElement.GetProperty("toolrl/format").GetString());
        Assert.Equal("-Infinity", first.RootElement.GetProperty("toolrl/correctness").GetString());
        Assert.False(first.RootElement.GetProperty("exact_match").GetBoolean());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(1.5, second.RootElement.GetProperty("reward").GetDouble());
        Assert.False(second.RootElement.TryGetProperty("exact_match", out _));

        // The metrics log writes the same three spellings for non-finite metrics.
        var metrics = MetricsLog.ToJsonLine(new MetricsRow(1, new Dictionary<string, double> { ["a"] = double.NaN, ["b"] = double.PositiveInfinity, ["c"] = double.NegativeInfinity }));
        Assert.Contains("\"NaN\"", metrics);
        Assert.Contains("\"Infinity\"", metrics);
        Assert.Contains("\"-Infinity\"", metrics);
    }
}
