using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

public class ToolExecutorTests
{
    private static readonly TaskCompletionSource<int> Never = new();

    private static ToolExecutor Executor(double timeout = 5) => new(
    [
        AIFunctionFactory.Create((string city, int days) => new JsonObject { ["city"] = city, ["days"] = days, ["temps"] = new JsonArray(1.5, 2) }, "forecast", "Forecast"),
        AIFunctionFactory.Create((string why) => (object)(why == "boom" ? throw new InvalidOperationException("the database is down") : 1), "fail", "Fails"),
        AIFunctionFactory.Create(async (CancellationToken ct) => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return 1; }, "slow", "Honours cancellation"),
        AIFunctionFactory.Create(() => Never.Task, "stuck", "Ignores cancellation"),
        AIFunctionFactory.Create(() => "plain words", "prose", "Returns text"),
        AIFunctionFactory.Create(() => "{\"ok\":true}", "json_text", "Returns JSON text"),
        AIFunctionFactory.Create(() => double.NaN, "nan", "Returns NaN"),
    ], new ToolExecutionOptions { TimeoutSeconds = timeout, MaxCallsPerTurn = 3 });

    private static ParsedToolCall Call(string name, string arguments) => new(new ChatToolCall(name, JsonNode.Parse(arguments)!.AsObject()), "", null);

    [Fact]
    public async Task A_good_call_returns_its_result_as_compact_python_style_json()
    {
        var o = await Executor().ExecuteAsync(Call("forecast", """{"city": "Oslo", "days": 2}"""));
        Assert.False(o.IsError);
        Assert.Equal("""{"city": "Oslo", "days": 2, "temps": [1.5, 2]}""", o.Content);
    }

    [Theory]
    [InlineData("forecast", """{"city": "Oslo"}""", """{"error": "InvalidArguments: missing required argument 'days'"}""")]
    [InlineData("forecast", """{"city": 5, "days": 2}""", """{"error": "InvalidArguments: argument 'city' must be string, got a number"}""")]
    [InlineData("forecast", """{"city": "Oslo", "days": 2.5}""", """{"error": "InvalidArguments: argument 'days' must be integer, got a number"}""")]
    [InlineData("forecast", """{"city": "Oslo", "days": 2, "units": "C"}""", """{"error": "InvalidArguments: unknown argument 'units'; the tool takes city, days"}""")]
    [InlineData("weather", """{}""", """{"error": "UnknownTool: no tool named 'weather'; available: forecast, fail, slow, stuck, prose, json_text, nan"}""")]
    [InlineData("fail", """{"why": "boom"}""", """{"error": "InvalidOperationException: the database is down"}""")]
    [InlineData("prose", """{}""", """{"error": "InvalidResult: the tool returned text that is not JSON: plain words"}""")]
    public async Task Failures_become_error_observations(string name, string arguments, string expected)
    {
        var o = await Executor().ExecuteAsync(Call(name, arguments));
        Assert.True(o.IsError);
        Assert.Equal(expected, o.Content);
    }

    [Fact]
    public async Task Json_text_is_kept_as_written_and_an_unwritable_result_is_an_error()
    {
        Assert.Equal("{\"ok\":true}", (await Executor().ExecuteAsync(Call("json_text", "{}"))).Content);
        var nan = await Executor().ExecuteAsync(Call("nan", "{}"));
        Assert.True(nan.IsError);
        Assert.StartsWith("{\"error\": \"ArgumentException: ", nan.Content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slow")]
    [InlineData("stuck")]
    public async Task A_tool_past_its_timeout_is_a_timeout_observation(string name)
    {
        var started = DateTime.UtcNow;
        var o = await Executor(timeout: 0.2).ExecuteAsync(Call(name, "{}"));
        Assert.True(o.IsError);
        Assert.Equal("""{"error": "Timeout: the tool did not answer within 0.2 s"}""", o.Content);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Unreadable_blocks_and_calls_beyond_the_turn_limit_are_errors_in_call_order()
    {
        var turn = TurnParser.Parse("Let me check.\n<tool_call>\n{\"name\": \"forecast\", \"arguments\": {\"city\": \"Oslo\", \"days\": 1}}\n</tool_call>\n<tool_call>\n{not json}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"json_text\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"json_text\", \"arguments\": {}}\n</tool_call>", ChatDialect.Qwen25);
        Assert.Equal("Let me check.", turn.Content);
        Assert.Equal(4, turn.Calls.Count);
        var observations = await Executor().ExecuteAsync(turn.Calls);
        Assert.Equal([false, true, false, true], observations.Select(o => o.IsError));
        Assert.Equal("""{"error": "InvalidToolCall: the block is not a JSON object with a string \"name\" and an \"arguments\" object"}""", observations[1].Content);
        Assert.Equal("""{"error": "TooManyCalls: only 3 tool calls are run per turn; this one was not"}""", observations[3].Content);
    }

    [Fact]
    public void Schemas_are_rendered_in_the_openai_function_form()
    {
        var schema = ToolSchemas.ToOpenAiFunction(WeatherEnvironment.Tools[0]);
        Assert.Equal("""{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""",
            PythonJson.Dumps(schema));
    }

    [Fact]
    public void Options_name_the_bad_field()
    {
        var e = Assert.Throws<ArgumentException>(() => new ToolExecutor([], new ToolExecutionOptions { TimeoutSeconds = 0 }));
        Assert.Contains("tool_timeout_seconds is 0", e.Message, StringComparison.Ordinal);
    }
}
