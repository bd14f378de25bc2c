using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;

namespace ToolRL.Agents.Mcp;

/// <summary>
/// MCP servers started over stdio with the official <c>ModelContextProtocol</c> client, and their tools as
/// <see cref="AIFunction"/>s for agent environments (config <c>"environment": {"mcp_servers": [{"command", "args"}]}</c>).
/// The server processes live as long as this object: <see cref="DisposeAsync"/> stops them. Results come back as
/// JSON: a text result that is JSON stays as it is, other text becomes a JSON string, and a result the server
/// marks as an error (or a non-text one) is thrown, so the executor answers it with an error observation.
/// </summary>
public sealed class McpToolServers : IAsyncDisposable
{
    private readonly List<McpClient> _clients;

    private McpToolServers(List<McpClient> clients, IReadOnlyList<AIFunction> tools)
    {
        _clients = clients;
        Tools = tools;
    }

    /// <summary>Every tool of every server, in server order then the server's order.</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>Starts <paramref name="servers"/> and lists their tools; on failure the ones already started are stopped.</summary>
    /// <exception cref="InvalidOperationException">A server did not start or answer; the message names its command.</exception>
    public static async Task<McpToolServers> StartAsync(IReadOnlyList<McpServerSpec> servers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var clients = new List<McpClient>();
        var tools = new List<AIFunction>();
        try
        {
            foreach (var server in servers)
            {
                McpClient client;
                try
                {
                    client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
                    {
                        Command = server.Command,
                        Arguments = [.. server.Args],
                        Name = server.Name ?? Path.GetFileNameWithoutExtension(server.Command),
                    }), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"the MCP server '{server.Command} {string.Join(" ", server.Args)}' did not start or answer ({e.Message}); fix: check environment.mcp_servers", e);
                }
                clients.Add(client);
                tools.AddRange((await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Select(t => new McpTool(t)));
            }
        }
        catch
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
        return new McpToolServers(clients, tools);
    }

    /// <summary>Stops the servers.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        _clients.Clear();
    }

    /// <summary>An MCP tool whose results are JSON for the observation.</summary>
    private sealed class McpTool(McpClientTool tool) : DelegatingAIFunction(tool)
    {
        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var result = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
            return result switch
            {
                TextContent text => AsJson(text.Text),
                JsonElement { ValueKind: JsonValueKind.Object } e when e.TryGetProperty("content", out var content) => FromCallResult(e, content),
                _ => result,
            };
        }

        private static JsonNode? AsJson(string text)
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                return JsonValue.Create(text);
            }
        }

        private static JsonNode? FromCallResult(JsonElement result, JsonElement content)
        {
            var texts = content.ValueKind == JsonValueKind.Array
                ? content.EnumerateArray().Where(c => c.TryGetProperty("type", out var t) && t.GetString() == "text").Select(c => c.GetProperty("text").GetString() ?? "").ToList()
                : [];
            if (result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True)
            {
                throw new McpToolException(texts.Count > 0 ? string.Join("\n", texts) : "the server reported an error");
            }
            if (texts.Count == 0 || texts.Count != content.GetArrayLength())
            {
                throw new McpToolException("the server returned content that is not text");
            }
            return texts.Count == 1 ? AsJson(texts[0]) : new JsonArray([.. texts.Select(AsJson)]);
        }
    }
}

/// <summary>An MCP server to start: the command, its arguments and a label.</summary>
/// <param name="Command">The executable.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Name">A label for logs (default: the command's file name).</param>
public sealed record McpServerSpec(string Command, IReadOnlyList<string> Args, string? Name = null);

/// <summary>An MCP server answered a tool call with an error.</summary>
public sealed class McpToolException(string message) : Exception(message);
