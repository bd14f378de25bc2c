using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Rewards;

/// <summary>
/// Lenient extraction of the tool calls in a completion, for reward functions (the ToolRL reward itself uses the
/// reference's strict rules instead). It reads both forms whatever the model: in RL data the prompt, not the model
/// family, sets how calls are written (ToolRL's prompts ask Llama for <c>&lt;tool_call&gt;</c> blocks too), while agent
/// rollouts and serving read replies in their model's own form (<see cref="ChatDialect.ReadReply"/>). Every
/// <c>&lt;tool_call&gt;…&lt;/tool_call&gt;</c> block counts; a block is either one JSON object (possibly pretty-printed)
/// or one object per line; a call is an object with a string <c>"name"</c> and an <c>"arguments"</c> or
/// <c>"parameters"</c> object (empty if absent). A completion without any <c>&lt;tool_call&gt;</c> tag is read in
/// Llama 3.x's form instead: the whole reply (after <c>&lt;|python_tag|&gt;</c>, when kept) is one call object, or several
/// separated by <c>;</c>; a reply that is not entirely calls is text. Anything unreadable is skipped. Never throws.
/// </summary>
public static class ToolCallParser
{
    private const string Open = "<tool_call>";
    private const string Close = "</tool_call>";

    /// <summary>The calls found in <paramref name="completion"/>, in order.</summary>
    public static IReadOnlyList<ChatToolCall> Parse(string? completion)
    {
        if (string.IsNullOrEmpty(completion))
        {
            return [];
        }
        var blocks = completion.Contains(Open, StringComparison.Ordinal)
            ? ReadTaggedBlocks(completion)
            : ReadJsonReply(completion) is { } reply ? [reply] : [];
        return [.. blocks.SelectMany(b => b.Calls)];
    }

    /// <summary>Every <c>&lt;tool_call&gt;</c> block in order (the hermes form of the Qwen templates).</summary>
    internal static IReadOnlyList<ToolCallSpan> ReadTaggedBlocks(string completion)
    {
        var blocks = new List<ToolCallSpan>();
        var rest = completion.AsSpan();
        while (true)
        {
            var open = rest.IndexOf(Open, StringComparison.Ordinal);
            if (open < 0)
            {
                return blocks;
            }
            rest = rest[(open + Open.Length)..];
            var close = rest.IndexOf(Close, StringComparison.Ordinal);
            var block = close < 0 ? rest : rest[..close];
            var calls = new List<ChatToolCall>();
            ReadBlock(block.Trim(), calls);
            blocks.Add(new ToolCallSpan(block.ToString(), calls, close >= 0));
            if (close < 0)
            {
                return blocks;
            }
            rest = rest[(close + Close.Length)..];
        }
    }

    private static void ReadBlock(ReadOnlySpan<char> block, List<ChatToolCall> calls)
    {
        if (TryReadCall(block) is ChatToolCall whole)
        {
            calls.Add(whole);
            return;
        }
        foreach (var range in block.Split('\n'))
        {
            if (TryReadCall(block[range].Trim()) is ChatToolCall call)
            {
                calls.Add(call);
            }
        }
    }

    /// <summary>
    /// Llama 3.x: the reply is <c>{"name": …, "parameters": {…}}</c> (the chat template's form; "arguments" is read too),
    /// or several such objects separated by <c>;</c>. Null when the reply does not open with <c>{</c> (text); a block
    /// without calls when it does but is not entirely calls (an unreadable attempt).
    /// </summary>
    internal static ToolCallSpan? ReadJsonReply(string completion)
    {
        var text = completion.AsSpan().Trim();
        if (text.StartsWith(PythonTag, StringComparison.Ordinal))
        {
            text = text[PythonTag.Length..].TrimStart();
        }
        if (text.IsEmpty || text[0] != '{')
        {
            return null;
        }
        var calls = new List<ChatToolCall>();
        if (TryReadCall(text) is ChatToolCall whole)
        {
            calls.Add(whole);
        }
        else
        {
            foreach (var range in text.Split(';'))
            {
                if (TryReadCall(text[range].Trim()) is not ChatToolCall call)
                {
                    calls.Clear();
                    break;
                }
                calls.Add(call);
            }
        }
        return new ToolCallSpan(text.ToString(), calls, Closed: true);
    }

    private const string PythonTag = "<|python_tag|>";

    private static readonly JsonDocumentOptions StrictKeys = new() { AllowDuplicateProperties = false };

    private static ChatToolCall? TryReadCall(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] != '{')
        {
            return null;
        }
        // JsonObject builds its dictionary lazily, so by default a duplicate key throws on first access (e.g. in
        // DeepEquals during validation), not in Parse: refuse duplicates while parsing instead.
        try
        {
            if (JsonNode.Parse(text.ToString(), documentOptions: StrictKeys) is not JsonObject call
                || call["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
            {
                return null;
            }
            var arguments = (call["arguments"] ?? call["parameters"]) as JsonObject;
            return new ChatToolCall(name, arguments?.DeepClone().AsObject() ?? []);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return null; // malformed JSON, duplicate keys, nesting beyond 64 levels, invalid UTF-16
        }
    }
}

/// <summary>One tool-call block of a completion: a <c>&lt;tool_call&gt;</c> block, or a Llama 3.x call reply.</summary>
/// <param name="Text">The text between the tags (to the end of the completion when unclosed).</param>
/// <param name="Calls">The calls read from it: one, several (one object per line), or none when it is unreadable.</param>
/// <param name="Closed">True when the closing <c>&lt;/tool_call&gt;</c> was found.</param>
public sealed record ToolCallSpan(string Text, IReadOnlyList<ChatToolCall> Calls, bool Closed);
