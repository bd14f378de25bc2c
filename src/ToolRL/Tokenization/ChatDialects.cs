using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Rewards;

namespace ToolRL.Tokenization;

/// <summary>Qwen's ChatML turns with hermes-style calls: <c>&lt;tool_call&gt;\n{"name": …, "arguments": …}\n&lt;/tool_call&gt;</c>.</summary>
internal abstract class HermesDialect : ChatDialect
{
    private const string Open = "<tool_call>";

    public override string EndOfTurn => Qwen2Tokenizer.ImEndToken;

    public override string AfterEndOfTurn => "\n";

    public override string AssistantHeader => "<|im_start|>assistant\n";

    /// <summary>The content is the text before the first block, without the <c>\n</c> the template puts between content and calls.</summary>
    public override ParsedReply ReadReply(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var blocks = ToolCallParser.ReadTaggedBlocks(reply);
        if (blocks.Count == 0)
        {
            return new ParsedReply(reply, blocks);
        }
        var content = reply[..reply.IndexOf(Open, StringComparison.Ordinal)];
        return new ParsedReply(content.EndsWith('\n') ? content[..^1] : content, blocks);
    }

    public override string CallOpening(string name, bool takesNoArguments)
    {
        var opening = $"{Open}\n{{\"name\": {JsonSerializer.Serialize(name)}, \"arguments\": ";
        return takesNoArguments ? opening + "{}}\n</tool_call>" : opening;
    }

    /// <summary>The first (possibly still partial) <c>&lt;tool_call&gt;</c>, less the newline before it.</summary>
    public override int CallsMayStartAt(string partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var at = partial.IndexOf(Open, StringComparison.Ordinal);
        if (at < 0)
        {
            at = partial.Length;
            for (var k = Math.Min(Open.Length - 1, partial.Length); k > 0; k--)
            {
                if (partial.EndsWith(Open[..k], StringComparison.Ordinal))
                {
                    at = partial.Length - k;
                    break;
                }
            }
        }
        return at > 0 && partial[at - 1] == '\n' ? at - 1 : at;
    }
}

internal sealed class Qwen25Dialect : HermesDialect
{
    public override string Name => "qwen2.5";

    public override string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false) =>
        Qwen25ChatTemplate.Render(messages, tools, addGenerationPrompt);
}

internal sealed class Qwen3Dialect : HermesDialect
{
    public override string Name => "qwen3";

    public override string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false) =>
        Qwen3ChatTemplate.Render(messages, tools, addGenerationPrompt);
}

/// <summary>Llama 3.x: the whole reply is the call, <c>{"name": …, "parameters": …}</c>, after <c>&lt;|python_tag|&gt;</c> when kept.</summary>
internal sealed class Llama3Dialect : ChatDialect
{
    public override string Name => "llama3";

    public override string EndOfTurn => Qwen2Tokenizer.Llama3EndOfTurnToken;

    public override string AfterEndOfTurn => "";

    public override string AssistantHeader => "<|start_header_id|>assistant<|end_header_id|>\n\n";

    public override string Render(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools = null, bool addGenerationPrompt = false) =>
        Llama3ChatTemplate.Render(messages, tools, addGenerationPrompt);

    /// <summary>A call reply has no content: the template writes an assistant call as the JSON alone.</summary>
    public override ParsedReply ReadReply(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return ToolCallParser.ReadJsonReply(reply) is { } calls ? new ParsedReply("", [calls]) : new ParsedReply(reply, []);
    }

    public override string CallOpening(string name, bool takesNoArguments)
    {
        var opening = $"{{\"name\": {JsonSerializer.Serialize(name)}, \"parameters\": ";
        return takesNoArguments ? opening + "{}}" : opening;
    }

    /// <summary>A reply that is still blank or opens with <c>{</c> may be a call: all of it waits.</summary>
    public override int CallsMayStartAt(string partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var start = partial.AsSpan().TrimStart();
        return start.IsEmpty || start[0] == '{' ? 0 : partial.Length;
    }
}
