using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// One ground-truth call of a possible-answer line, <c>{func_name: {param: [allowed values]}}</c>: each allowed
/// list holds whole values, and <c>""</c> in it means the parameter may be omitted.
/// </summary>
internal sealed class BfclExpectedCall
{
    private BfclExpectedCall(string name, PyDict allowed)
    {
        Name = name;
        Allowed = allowed;
    }

    public string Name { get; }

    /// <summary>Parameter → allowed values (each a list, checked on load), in the file's order.</summary>
    public PyDict Allowed { get; }

    /// <summary>The allowed values of <paramref name="param"/>, or null when the ground truth does not name it.</summary>
    public IReadOnlyList<PyValue>? AllowedFor(string param) => Allowed.Get(param)?.Items;

    /// <exception cref="FormatException">The call is not <c>{name: {param: [values]}}</c>.</exception>
    public static BfclExpectedCall Parse(PyValue raw, string where)
    {
        if (raw.Dict is not { Count: 1 } call)
        {
            throw new FormatException($"{where}: a ground-truth call must be an object with one key, the function name, like {{\"f\": {{\"x\": [1]}}}}; found {PyValueJson.Dumps(raw)}.");
        }
        var name = call.KeyAt(0);
        var allowed = call.ValueAt(0).Dict
            ?? throw new FormatException($"{where}: the ground truth of '{name}' must map parameter names to lists of allowed values; found {PyValueJson.Dumps(call.ValueAt(0))}.");
        for (var i = 0; i < allowed.Count; i++)
        {
            if (allowed.ValueAt(i).Kind != PyKind.List)
            {
                throw new FormatException($"{where}: the allowed values of '{name}.{allowed.KeyAt(i)}' must be a list (use [\"\"] for \"may be omitted\"); found {PyValueJson.Dumps(allowed.ValueAt(i))}.");
            }
        }
        return new BfclExpectedCall(name, allowed);
    }
}
