using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Tools;

/// <summary>
/// Runs a turn's tool calls against <see cref="AIFunction"/>s, in call order (stateful tools see each other's effects,
/// as tau2 replays them), and turns every outcome into an observation the model reads. Nothing a call does escapes as
/// an exception: an unreadable block, an unknown tool, arguments that do not fit the schema, a tool that throws, one
/// that runs past <see cref="ToolExecutionOptions.TimeoutSeconds"/>, one that returns non-JSON, and calls beyond
/// <see cref="ToolExecutionOptions.MaxCallsPerTurn"/> each give <c>{"error": "&lt;kind&gt;: &lt;message&gt;"}</c>
/// (docs/agents.md). Results are written compactly as Python's <c>json.dumps</c> would.
/// </summary>
public sealed class ToolExecutor
{
    private readonly Dictionary<string, AIFunction> _tools;

    /// <summary>An executor over <paramref name="tools"/> (names must be unique).</summary>
    public ToolExecutor(IEnumerable<AIFunction> tools, ToolExecutionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        Options = options ?? new ToolExecutionOptions();
        Options.Validate();
        _tools = new Dictionary<string, AIFunction>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"two tools are named '{tool.Name}'; tool names must be unique", nameof(tools));
            }
        }
    }

    /// <summary>The limits.</summary>
    public ToolExecutionOptions Options { get; }

    /// <summary>The tools, by name.</summary>
    public IReadOnlyDictionary<string, AIFunction> Tools => _tools;

    /// <summary>Executes <paramref name="calls"/> in order; one observation per call.</summary>
    public async Task<IReadOnlyList<ToolObservation>> ExecuteAsync(IReadOnlyList<ParsedToolCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var observations = new List<ToolObservation>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            observations.Add(i < Options.MaxCallsPerTurn
                ? await ExecuteAsync(calls[i], cancellationToken).ConfigureAwait(false)
                : Error(calls[i].Call?.Name ?? "", "TooManyCalls", $"only {Options.MaxCallsPerTurn} tool calls are run per turn; this one was not", TimeSpan.Zero));
        }
        return observations;
    }

    /// <summary>Executes one call.</summary>
    public async Task<ToolObservation> ExecuteAsync(ParsedToolCall parsed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.Call is not { } call)
        {
            return Error("", "InvalidToolCall", parsed.Error ?? "the tool call could not be read", TimeSpan.Zero);
        }
        if (!_tools.TryGetValue(call.Name, out var tool))
        {
            return Error(call.Name, "UnknownTool", $"no tool named '{call.Name}'; available: {string.Join(", ", _tools.Keys)}", TimeSpan.Zero);
        }
        if (ArgumentCheck.Problem(tool.JsonSchema, call.Arguments) is { } problem)
        {
            return Error(call.Name, "InvalidArguments", problem, TimeSpan.Zero);
        }
        var arguments = new AIFunctionArguments(call.Arguments.ToDictionary(p => p.Key, p => (object?)ToElement(p.Value)));
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = TimeSpan.FromSeconds(Options.TimeoutSeconds);
        timeout.CancelAfter(limit);
        object? result;
        try
        {
            // WaitAsync also returns from tools that ignore the token; they finish in the background, unobserved.
            result = await tool.InvokeAsync(arguments, timeout.Token).AsTask().WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Error(call.Name, "Timeout", $"the tool did not answer within {Options.TimeoutSeconds:0.###} s", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var inner = e is System.Reflection.TargetInvocationException { InnerException: { } ie } ? ie : e;
            var kind = inner is JsonException ? "InvalidArguments" : inner.GetType().Name;   // JSON binding of an argument failed
            return Error(call.Name, kind, inner.Message, Stopwatch.GetElapsedTime(started));
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        return ResultText(result, tool.JsonSerializerOptions) is (string text, null)
            ? new ToolObservation(call.Name, Truncate(text), false, elapsed)
            : Error(call.Name, "InvalidResult", ResultText(result, tool.JsonSerializerOptions).Problem!, elapsed);
    }

    /// <summary>The observation text of a result, or why it has none: JSON values are dumped compactly; text must be JSON when required.</summary>
    private (string? Text, string? Problem) ResultText(object? result, JsonSerializerOptions serializer)
    {
        try
        {
            var node = result switch
            {
                null => null,
                JsonElement { ValueKind: JsonValueKind.String } e => null,
                JsonElement e => JsonNode.Parse(e.GetRawText()),
                JsonNode n => n,
                string => null,
                _ => JsonSerializer.SerializeToNode(result, result.GetType(), serializer),
            };
            var text = result switch
            {
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
                string s => s,
                _ => null,
            };
            if (text is null)
            {
                return (PythonJson.Dumps(node), null);
            }
            if (Options.RequireJsonResults && !IsJson(text))
            {
                return (null, "the tool returned text that is not JSON: " + Shorten(text, 80));
            }
            return (text, null);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return (null, $"the tool's result could not be written as JSON ({e.GetType().Name}: {e.Message})");
        }
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string Truncate(string text)
    {
        var max = Options.MaxObservationChars;
        if (text.Length <= max)
        {
            return text;
        }
        const string marker = "…(truncated)…";
        var keep = (max - marker.Length) / 2;
        return string.Concat(text.AsSpan(0, keep), marker, text.AsSpan(text.Length - keep));
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static JsonElement ToElement(JsonNode? node) => node is null
        ? JsonDocument.Parse("null").RootElement.Clone()
        : JsonSerializer.SerializeToElement(node);

    /// <summary>The error observation <c>{"error": "kind: message"}</c>.</summary>
    public static ToolObservation Error(string name, string kind, string message, TimeSpan elapsed) =>
        new(name, PythonJson.Dumps(new JsonObject { ["error"] = $"{kind}: {message}" }), true, elapsed);
}
