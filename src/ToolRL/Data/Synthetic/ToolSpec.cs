using System.Text.Json.Nodes;

namespace ToolRL.Data.Synthetic;

/// <summary>A parameter value together with the words that name it in the user's request.</summary>
/// <param name="Value">The JSON value the tool call carries.</param>
/// <param name="Text">How the value appears in the request (copied from it, so the mapping is learnable).</param>
internal sealed record SlotValue(JsonNode Value, string Text);

/// <summary>One typed tool parameter.</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Type">Type as the rlla prompts write it: string, int, float, boolean, list.</param>
/// <param name="Description">Short description shown in the tool list.</param>
internal sealed record ToolParameter(string Name, string Type, string Description);

/// <summary>
/// A phrasing of a request. <c>{name}</c> slots are filled with parameter texts; <paramref name="Fixed"/> gives
/// parameters whose value the wording itself implies (e.g. "formally" → formal=true).
/// </summary>
internal sealed record RequestTemplate(string Text, IReadOnlyDictionary<string, JsonNode>? Fixed = null);

/// <summary>A catalogue tool: what the prompt lists and how users ask for it.</summary>
/// <param name="Name">Tool name.</param>
/// <param name="Description">One-line description.</param>
/// <param name="Parameters">Typed parameters, in the order the call writes them.</param>
/// <param name="Sample">Draws the request's values (all at once, so related ones can differ, e.g. two currencies).</param>
/// <param name="Requests">Phrasings that name every parameter.</param>
/// <param name="Vague">A request missing the key information.</param>
/// <param name="Clarification">The answer to <paramref name="Vague"/>: a question back to the user.</param>
internal sealed record ToolSpec(
    string Name,
    string Description,
    IReadOnlyList<ToolParameter> Parameters,
    Func<ValueDraw, IReadOnlyDictionary<string, SlotValue>> Sample,
    IReadOnlyList<RequestTemplate> Requests,
    string Vague,
    string Clarification);
