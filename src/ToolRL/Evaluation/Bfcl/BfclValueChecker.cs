using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL's value comparisons after a passed type check: strings and the string items of lists are compared
/// normalised (<see cref="BfclStringNormalizer"/>); dicts key by key against each allowed dict; lists of dicts
/// dict by dict, same length and order; everything else by Python equality.
/// </summary>
internal static class BfclValueChecker
{
    /// <summary><c>string_checker</c>: the normalised value must equal one normalised allowed string.</summary>
    public static BfclCheckResult String(string param, string value, IReadOnlyList<PyValue> allowed)
    {
        var normalized = BfclStringNormalizer.Normalize(value);
        foreach (var candidate in allowed)
        {
            if (candidate.Kind == PyKind.Str && BfclStringNormalizer.Normalize(candidate.Text!) == normalized)
            {
                return BfclCheckResult.Pass;
            }
        }
        return BfclCheckResult.Fail("value_error:string",
            $"Invalid value for parameter '{param}': '{value}'. Expected one of {Render(allowed)}. Case insensitive.");
    }

    /// <summary>
    /// <c>list_checker</c>: with string items normalised on both sides, the list must equal one allowed list (same
    /// order and length). The <c>""</c> marker counts as the empty list.
    /// </summary>
    public static BfclCheckResult List(string param, IReadOnlyList<PyValue> value, IReadOnlyList<PyValue> allowed)
    {
        var normalized = NormalizeItems(value);
        foreach (var candidate in allowed)
        {
            if (AsAllowedList(candidate) is { } items && PyEquality.ListsEqual(normalized, NormalizeItems(items)))
            {
                return BfclCheckResult.Pass;
            }
        }
        return BfclCheckResult.Fail("value_error:list/tuple",
            $"Invalid value for parameter '{param}': {Render(value)}. Expected one of {Render(allowed)}.");
    }

    /// <summary>
    /// <c>dict_checker</c>: the value passes when, for one allowed dict, every key it has is allowed with a value in
    /// that key's list (strings normalised, no type check) and every key it lacks may be omitted. The result of
    /// the last allowed dict tried is reported; with none to try (only <c>""</c>), <c>dict_checker:unclear</c>.
    /// </summary>
    public static BfclCheckResult Dict(string param, PyDict value, IReadOnlyList<PyValue> allowed)
    {
        var result = BfclCheckResult.Fail("dict_checker:unclear", $"No allowed dict for parameter '{param}'.");
        foreach (var candidate in allowed)
        {
            if (BfclTypes.IsOmitMarker(candidate))
            {
                continue;
            }
            result = DictAgainst(value, candidate.Dict);
            if (result.Valid)
            {
                return result;
            }
        }
        return result;
    }

    /// <summary>
    /// <c>list_dict_checker</c>: against each allowed list of dicts, same length, then each dict checked with
    /// <see cref="Dict"/> against the dict at its position; the last failure is reported.
    /// </summary>
    public static BfclCheckResult ListOfDicts(string param, IReadOnlyList<PyValue> value, IReadOnlyList<PyValue> allowed)
    {
        var result = BfclCheckResult.Fail("list_dict_checker:unclear", $"No allowed list of dicts for parameter '{param}'.");
        foreach (var candidate in allowed)
        {
            var items = AsAllowedList(candidate);
            if (items is null || items.Count != value.Count)
            {
                result = BfclCheckResult.Fail("value_error:list_dict_count", "Wrong number of dictionaries in the list.");
                continue;
            }
            var all = true;
            for (var i = 0; i < value.Count && all; i++)
            {
                result = value[i].Dict is { } dict
                    ? Dict(param, dict, [items[i]])
                    : BfclCheckResult.Fail("type_error:nested", $"Item {i} of parameter '{param}' is not a dict: {value[i]}.");
                all = result.Valid;
            }
            if (all)
            {
                return BfclCheckResult.Pass;
            }
        }
        return result;
    }

    /// <summary>The last resort for numbers, booleans and variables: <c>value in allowed</c> by Python equality.</summary>
    public static BfclCheckResult Others(string param, PyValue value, IReadOnlyList<PyValue> allowed) =>
        BfclTypes.In(value, allowed)
            ? BfclCheckResult.Pass
            : BfclCheckResult.Fail("value_error:others", $"Invalid value for parameter '{param}': {Render(value)}. Expected one of {Render(allowed)}.");

    private static BfclCheckResult DictAgainst(PyDict value, PyDict? allowed)
    {
        if (allowed is null)
        {
            return BfclCheckResult.Fail("value_error:dict_key", "The allowed value is not a dict.");
        }
        BfclCheckResult? failure = null;
        for (var i = 0; i < value.Count; i++)
        {
            var key = value.KeyAt(i);
            if (allowed.Get(key)?.Items is not { } allowedValues)
            {
                failure = BfclCheckResult.Fail("value_error:dict_key", $"Unexpected dict key parameter: '{key}'.");
                break;
            }
            var item = value.ValueAt(i);
            if (!BfclTypes.In(NormalizeString(item), NormalizeItems(allowedValues)))
            {
                failure = BfclCheckResult.Fail("value_error:dict_value",
                    $"Invalid value for parameter '{key}': {Render(item)}. Expected one of {Render(allowedValues)}.");
                break;
            }
        }
        // BFCL runs the missing-key pass even after a failure above, so a missing key's error wins.
        for (var i = 0; i < allowed.Count; i++)
        {
            var key = allowed.KeyAt(i);
            if (value.Get(key) is null && !(allowed.ValueAt(i).Items is { } values && BfclTypes.AllowsOmission(values)))
            {
                failure = BfclCheckResult.Fail("value_error:dict_key", $"Missing dict key parameter: '{key}'.");
                break;
            }
        }
        return failure ?? BfclCheckResult.Pass;
    }

    // An allowed value read as a whole list: a list as is, the "" marker as [] (Python iterates the empty
    // string), any other string as its characters (what BFCL's index loop does with one); null for the rest.
    private static IReadOnlyList<PyValue>? AsAllowedList(PyValue candidate) => candidate.Kind switch
    {
        PyKind.List => candidate.Items,
        PyKind.Str => Characters(candidate.Text!),
        _ => null,
    };

    private static List<PyValue> Characters(string text)
    {
        var characters = new List<PyValue>();
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            characters.Add(PyValue.FromString(char.IsSurrogatePair(text, i) ? text.Substring(i, 2) : text[i].ToString()));
        }
        return characters;
    }

    private static PyValue[] NormalizeItems(IReadOnlyList<PyValue> items)
    {
        var normalized = new PyValue[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            normalized[i] = NormalizeString(items[i]);
        }
        return normalized;
    }

    private static PyValue NormalizeString(PyValue value) =>
        value.Kind == PyKind.Str ? PyValue.FromString(BfclStringNormalizer.Normalize(value.Text!)) : value;

    private static string Render(PyValue value) => PyValueJson.Dumps(value);

    private static string Render(IReadOnlyList<PyValue> values) => PyValueJson.Dumps(PyValue.FromList(values));
}
