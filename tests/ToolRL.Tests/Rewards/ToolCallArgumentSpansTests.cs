using System.Text;
using ToolRL.Rewards;

namespace ToolRL.Tests.Rewards;

public sealed class ToolCallArgumentSpansTests
{
    private const string GroundTruth = """
        <think> x </think>
        <tool_call>
        {"name": "calculator", "parameters": {"expression": "22 / 63"}}
        {"name": "set_timer", "parameters": {"minutes": 42, "label": "pasta"}}
        </tool_call>
        """;

    private static (int Start, int Length) BytesOf(string text, string value, int from = 0)
    {
        var at = text.IndexOf(value, from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{value}' not in the response");
        return (Encoding.UTF8.GetByteCount(text.AsSpan(0, at)), Encoding.UTF8.GetByteCount(value));
    }

    [Fact]
    public void EachValueIsLocatedAndCheckedAgainstItsGroundTruthCall()
    {
        // The calls in another order, one value wrong, a non-ASCII thought before the block (byte offsets differ from chars).
        var response = "<think> écrit ✓ </think>\n<tool_call>\n" +
            "{\"name\": \"set_timer\", \"parameters\": {\"minutes\": 42, \"label\": \"pizza\"}}\n" +
            "{\"name\": \"calculator\", \"parameters\": {\"expression\": \"22 / 63\"}}\n</tool_call>";
        var spans = ToolCallArgumentSpans.Find(response, GroundTruth);

        Assert.Equal(
        [
            new ArgumentSpan(BytesOf(response, "42").Start, 2, "1.minutes", true),
            new ArgumentSpan(BytesOf(response, "\"pizza\"").Start, 7, "1.label", false),
            new ArgumentSpan(BytesOf(response, "\"22 / 63\"").Start, 9, "0.expression", true),
        ], spans);
    }

    [Fact]
    public void NumbersCompareAsJsonValuesAndNestedValuesAreWhole()
    {
        const string gt = "<tool_call>\n{\"name\": \"f\", \"parameters\": {\"n\": 2, \"tags\": [\"a\", {\"b\": 1}]}}\n</tool_call>";
        const string response = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"tags\": [\"a\", {\"b\": 1}], \"n\": 3, \"extra\": true}}\n</tool_call>";
        var spans = ToolCallArgumentSpans.Find(response, gt);
        Assert.Equal(
        [
            new ArgumentSpan(BytesOf(response, "[\"a\", {\"b\": 1}]").Start, 15, "0.tags", true),
            new ArgumentSpan(BytesOf(response, "3").Start, 1, "0.n", false),
            new ArgumentSpan(BytesOf(response, "true").Start, 4, "0.extra", false),
        ], spans);
    }

    [Theory]
    [InlineData("no block at all")]
    [InlineData("<tool_call>\n{\"name\": \"calculator\", \"parameters\": {\"expression\": \"22")]
    [InlineData("<tool_call>\nnot json\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"get_news\", \"parameters\": {\"topic\": \"x\"}}\n</tool_call>")]
    [InlineData("<tool_call>\n[1, 2]\n\"name\"\n</tool_call>")]
    public void MalformedOrUnmatchedCallsGiveNoSpans(string response) =>
        Assert.Empty(ToolCallArgumentSpans.Find(response, GroundTruth));

    [Fact]
    public void CallsBeforeAMalformedLineKeepTheirSpans()
    {
        const string response = "<tool_call>\n{\"name\": \"calculator\", \"parameters\": {\"expression\": \"1 + 2\"}}\n{\"name\": \"set_timer\", \"par\n</tool_call>";
        var span = Assert.Single(ToolCallArgumentSpans.Find(response, GroundTruth));
        Assert.Equal(new ArgumentSpan(BytesOf(response, "\"1 + 2\"").Start, 7, "0.expression", false), span);
    }

    [Fact]
    public void AGroundTruthWithoutCallsGivesNoSpans() =>
        Assert.Empty(ToolCallArgumentSpans.Find(GroundTruth, "<think> x </think>\n<response> hi </response>"));
}
