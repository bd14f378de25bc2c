namespace ToolRL.Rewards.Python;

/// <summary>
/// What the reference's matching loop reads from the GT calls, computed once per ground truth. A GT call
/// that is not a dict with <c>"name"</c> and <c>"parameters"</c> (or whose parameters have no <c>len</c>) is
/// legal JSON, so the reference does not crash on it, but it raises inside the try block of every response
/// that is not an exact match: <see cref="FailsOutsideExactMatch"/>.
/// </summary>
internal sealed class GroundTruthCalls
{
    public GroundTruthCalls(IReadOnlyList<PyValue> calls, IReadOnlyList<string> lineTexts)
    {
        Calls = calls;
        _lineTexts = lineTexts;
        var names = new PyValue[calls.Count];
        var parameters = new PyValue?[calls.Count];
        for (var j = 0; j < calls.Count; j++)
        {
            var name = calls[j].Dict?.Get("name");
            var callParameters = calls[j].Dict?.Get("parameters");
            if (name is null || callParameters is null)
            {
                FailsOutsideExactMatch = true; // KeyError / TypeError in the names list or at gt_tool["parameters"]
                names[j] = PyValue.None;
                continue;
            }
            names[j] = name;
            parameters[j] = callParameters;
            if (callParameters.PythonLength is int length)
            {
                ParameterCount += length;
            }
            else
            {
                FailsWithoutIntermediate = true; // len(None/bool/int/float)
            }
        }
        Names = names;
        Parameters = parameters;
        NamesHashable = Array.TrueForAll(names, n => n.Kind is not (PyKind.List or PyKind.Dict));
    }

    private readonly IReadOnlyList<string> _lineTexts;

    /// <summary>The parsed GT calls.</summary>
    public IReadOnlyList<PyValue> Calls { get; }

    /// <summary>Each call's <c>"name"</c>.</summary>
    public IReadOnlyList<PyValue> Names { get; }

    /// <summary>Each call's <c>"parameters"</c>.</summary>
    public IReadOnlyList<PyValue?> Parameters { get; }

    /// <summary>Σ len(parameters): S_max = 1 + |G| + this, without INTERMEDIATEREWARD.</summary>
    public int ParameterCount { get; }

    /// <summary>No name is a list or dict, so <c>Counter(gt_names)</c> works.</summary>
    public bool NamesHashable { get; }

    /// <summary>A call is not a dict with both <c>"name"</c> and <c>"parameters"</c>.</summary>
    public bool FailsOutsideExactMatch { get; }

    /// <summary>A call's parameters have no <c>len</c> (read only without INTERMEDIATEREWARD).</summary>
    public bool FailsWithoutIntermediate { get; }

    /// <summary>
    /// The GT's parsed value for a response line whose text is identical to GT line <paramref name="index"/>,
    /// so the common case of a correct call is not parsed twice. Sharing the object is safe: values are
    /// immutable, and comparing a value with itself gives what comparing two equal parses gives (the only
    /// object that differs from itself, NaN, is already shared by every parse, see <see cref="PyValue.NaN"/>).
    /// </summary>
    public PyValue? SameLine(int index, ReadOnlySpan<char> line) =>
        index < _lineTexts.Count && line.SequenceEqual(_lineTexts[index]) ? Calls[index] : null;
}
