using System.ComponentModel;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// Three tools: a text result, a JSON result and one that fails. Stdout carries the protocol; nothing else is printed.
var options = new McpServerOptions
{
    ServerInfo = new Implementation { Name = "toolrl-test-server", Version = "1.0" },
    ToolCollection =
    [
        McpServerTool.Create(([Description("The text to reverse")] string text) => new string([.. text.Reverse()]),
            new McpServerToolCreateOptions { Name = "reverse_text", Description = "Reverse a text." }),
        McpServerTool.Create((int a, int b) => new JsonObject { ["sum"] = a + b },
            new McpServerToolCreateOptions { Name = "add_numbers", Description = "Add two integers." }),
        McpServerTool.Create(string (string reason) => throw new InvalidOperationException("the test server fails on purpose: " + reason),
            new McpServerToolCreateOptions { Name = "always_fail", Description = "Always fails." }),
    ],
};
await using var server = McpServer.Create(new StdioServerTransport("toolrl-test-server"), options);
await server.RunAsync();
