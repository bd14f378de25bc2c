using ToolRL.Rewards;
using ToolRL.Training.Validation;

namespace ToolRL.Tests.Rewards;

/// <summary>
/// Model output with a repeated JSON key (seen from the tiny demo model during validation) once crashed the
/// validator, because JsonObject only throws on first access. Such a call is unreadable, never an exception.
/// </summary>
public sealed class ToolCallParserDuplicateKeyTests
{
    private const string GroundTruth = "<think> x </think>\n<tool_call>\n{\"name\": \"get_weather\", \"parameters\": {\"date\": \"today\"}}\n</tool_call>";

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"date\": \"today\", \"date\": \"today\"}}")]
    [InlineData("{\"name\": \"get_weather\", \"name\": \"get_weather\", \"parameters\": {\"date\": \"today\"}}")]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"where\": {\"city\": \"a\", \"city\": \"b\"}}}")]
    public void DuplicateKeysMakeTheCallUnreadableNotAnException(string line)
    {
        var response = $"<think> x </think>\n<tool_call>\n{line}\n</tool_call>";
        Assert.Empty(ToolCallParser.Parse(response));
        Assert.False(ToolCallExactMatch.Matches(response, GroundTruth));
    }

    [Fact]
    public void AWellFormedCallStillMatches()
    {
        Assert.True(ToolCallExactMatch.Matches(GroundTruth, GroundTruth));
        Assert.Single(ToolCallParser.Parse(GroundTruth));
    }
}
