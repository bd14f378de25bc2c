using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Serving;

/// <summary>
/// Constrained decoding of a reply's opening for <c>tool_choice</c> "required" or a named function: until the reply
/// starts with one of the allowed openings (<see cref="ChatDialect.CallOpening"/>, e.g. <c>&lt;tool_call&gt;\n{"name": "NAME", "arguments": </c>, NAME one of the
/// offered tools or the named one), only tokens that keep the text a prefix of an opening (or complete one) may be
/// picked; then the model writes the arguments freely (a function without parameters gets its whole call forced). The opening is written the way the model family's chat template
/// renders calls, so the model continues in the format it was trained on. The arguments are not constrained: a reply
/// whose call does not parse comes back as text.
/// </summary>
internal sealed class ToolOpening : ITokenConstraint
{
    private readonly IReadOnlyList<(string Text, bool WholeCall)> _openings;
    private readonly Func<IReadOnlyList<int>, string> _decode;
    private readonly IReadOnlyList<string> _tokenTexts;

    private ToolOpening(IReadOnlyList<(string Text, bool WholeCall)> openings, Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string> tokenTexts) =>
        (_openings, _decode, _tokenTexts) = (openings, decode, tokenTexts);

    /// <summary>The constraint of <paramref name="choice"/> over the <paramref name="tools"/> offered, or null (auto, none).</summary>
    /// <exception cref="ArgumentException">No tools offered, or the named function is not among them.</exception>
    public static ToolOpening? For(ToolChoice choice, IReadOnlyList<JsonObject> tools, ChatPolicy policy)
    {
        if (choice.Mode is ToolChoiceMode.Auto or ToolChoiceMode.None)
        {
            return null;
        }
        var names = tools.Select(t => t["function"]?["name"]?.GetValue<string>()).OfType<string>().ToList();
        if (names.Count == 0)
        {
            throw new ArgumentException($"tool_choice {(choice.Mode == ToolChoiceMode.Required ? "\"required\"" : $"'{choice.FunctionName}'")} needs tools; fix: offer the functions in 'tools'");
        }
        if (choice.Mode == ToolChoiceMode.Function)
        {
            if (!names.Contains(choice.FunctionName!))
            {
                throw new ArgumentException($"tool_choice names the function '{choice.FunctionName}', which is not among the tools ({string.Join(", ", names)}); fix: name an offered function");
            }
            names = [choice.FunctionName!];
        }
        var openings = names.Distinct().Select(n => Opening(n, tools, policy.Tokenizer.ChatDialect)).ToList();
        return new ToolOpening(openings, policy.Decode, policy.TokenTexts);
    }

    /// <summary>
    /// The forced opening of a call of <paramref name="name"/>: up to its arguments, or the whole call when the function
    /// takes no parameters (its only valid call).
    /// </summary>
    private static (string Text, bool WholeCall) Opening(string name, IReadOnlyList<JsonObject> tools, ChatDialect dialect)
    {
        var parameters = tools.First(t => t["function"]?["name"]?.GetValue<string>() == name)["function"]?["parameters"];
        var takesNone = parameters is null || (parameters["properties"] is null or JsonObject { Count: 0 });
        return (dialect.CallOpening(name, takesNone), takesNone);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<int>? Allowed(IReadOnlyList<int> generated)
    {
        var text = generated.Count == 0 ? "" : _decode(generated);
        var open = _openings.Where(o => o.Text.StartsWith(text, StringComparison.Ordinal)).ToList();
        if (open.Count == 0 || open.Any(o => o.Text.Length == text.Length))
        {
            return null;   // an opening is complete (or the text left them, which the constraint never allows)
        }
        var allowed = new List<int>();
        for (var id = 0; id < _tokenTexts.Count; id++)
        {
            var piece = _tokenTexts[id];
            if (piece.Length == 0)
            {
                continue;
            }
            foreach (var (opening, wholeCall) in open)
            {
                // A token may run past an opening into the arguments, but not past a whole call: text glued to a
                // call's end would make it unreadable (a Llama 3 reply must be the call alone).
                var rest = opening.AsSpan(text.Length);
                if (rest.StartsWith(piece, StringComparison.Ordinal) || (!wholeCall && piece.AsSpan().StartsWith(rest, StringComparison.Ordinal)))
                {
                    allowed.Add(id);
                    break;
                }
            }
        }
        return allowed.Count > 0 ? allowed : null;
    }
}
