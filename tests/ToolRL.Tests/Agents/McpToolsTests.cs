using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Mcp;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

/// <summary>A real MCP server process (tests/ToolRL.McpTestServer, started over stdio) provides tools to trajectories.</summary>
public class McpToolsTests
{
    private static McpServerSpec Server() =>
        new("dotnet", [TestPaths.InRepo("tests", "ToolRL.McpTestServer", "bin", "Release", "net10.0", "ToolRL.McpTestServer.dll")]);

    [Fact]
    public async Task Mcp_tools_are_listed_with_their_schemas_and_answer_as_observations()
    {
        await using var servers = await McpToolServers.StartAsync([Server()]);
        Assert.Equal(["reverse_text", "add_numbers", "always_fail"], servers.Tools.Select(t => t.Name));
        Assert.Equal("""{"type": "function", "function": {"name": "add_numbers", "description": "Add two integers.", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}}""",
            PythonJson.Dumps(ToolSchemas.ToOpenAiFunction(servers.Tools[1])));
        var executor = new ToolExecutor(servers.Tools);
        var turn = TurnParser.Parse(
            "<tool_call>\n{\"name\": \"reverse_text\", \"arguments\": {\"text\": \"abc\"}}\n</tool_call>\n" +
            "<tool_call>\n{\"name\": \"add_numbers\", \"arguments\": {\"a\": 2, \"b\": 40}}\n</tool_call>\n" +
            "<tool_call>\n{\"name\": \"always_fail\", \"arguments\": {\"reason\": \"x\"}}\n</tool_call>\n" +
            "<tool_call>\n{\"name\": \"add_numbers\", \"arguments\": {\"a\": \"two\", \"b\": 1}}\n</tool_call>", ChatDialect.Qwen25);
        var observations = await executor.ExecuteAsync(turn.Calls);
        Assert.Equal("\"cba\"", observations[0].Content);
        Assert.Equal("{\"sum\": 42}", observations[1].Content);
        Assert.True(observations[2].IsError);
        Assert.StartsWith("{\"error\": \"McpToolException: ", observations[2].Content, StringComparison.Ordinal);
        Assert.Equal("""{"error": "InvalidArguments: argument 'a' must be integer, got a string"}""", observations[3].Content);
    }

    [Fact]
    public async Task A_trajectory_calls_mcp_tools_beside_the_environments_own()
    {
        await using var servers = await McpToolServers.StartAsync([Server()]);
        var factory = new WithExtraTools(new WeatherFactory(), servers.Tools);
        var tok = AgentFixtures.Tokenizer;
        int[] Ids(string text) => [.. tok.EncodeToIds(text)];
        var g1 = Ids("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"add_numbers\", \"arguments\": {\"a\": 9, \"b\": 1}}\n</tool_call><|im_end|>");
        var g2 = Ids("10 C.<|im_end|>");
        var t = (await new AgentRollout(tok, new AgentRolloutOptions()).RunAsync(factory, [WeatherFactory.Task], 1, (_, _) => new ScriptedTokenPolicy([[g1, g2]]), CancellationToken.None))[0];
        Assert.Equal(TerminationReason.Answered, t.Termination);
        Assert.Equal(["{\"temp_c\": 9}", "{\"sum\": 10}"], t.Messages.Where(m => m.Role == "tool").Select(m => m.Content));
        var tools = ToolSchemas.ToOpenAiFunctions([.. WeatherEnvironment.Tools, .. servers.Tools]);
        Assert.Contains("\"name\": \"reverse_text\"", Qwen25ChatTemplate.Render(t.Messages, tools), StringComparison.Ordinal);
        Assert.Equal(Ids(Qwen25ChatTemplate.Render(WeatherEnvironment.Conversation, tools, addGenerationPrompt: true)), t.PromptIds);
    }

    [Fact]
    public async Task A_server_that_does_not_start_is_a_clear_error()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => McpToolServers.StartAsync([new McpServerSpec("/nonexistent/mcp-server", [])]));
        Assert.Contains("/nonexistent/mcp-server", e.Message, StringComparison.Ordinal);
    }
}
