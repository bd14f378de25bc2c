using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL's <c>type_checker</c> for Python. A value passes when its type is exactly the schema's (bool is not int,
/// 5.0 is not int; the caller has already turned an int into a float for a <c>float</c> parameter). When the
/// ground truth's first non-<c>""</c> allowed value has another type than the schema's, the parameter is a
/// "variable": values of that type pass too, and <see cref="BfclCheckResult.IsVariable"/> tells the caller to
/// compare values by plain equality. Arrays and tuples check their items one level deep against each allowed list
/// in turn (no int → float conversion there); an allowed <c>""</c> skips the item check.
/// </summary>
internal static class BfclTypeChecker
{
    public static BfclCheckResult Check(string param, PyValue value, IReadOnlyList<PyValue> allowed, string schemaType,
        PyType expected, PyType? itemType)
    {
        var allowedType = FirstAllowedType(allowed);
        var isVariable = allowedType is { } t && t != expected;
        var valueType = BfclTypes.Of(value);
        var nestedFailed = false;
        if (valueType == expected)
        {
            if (itemType is not { } items)
            {
                return new BfclCheckResult(true, null, null, isVariable);
            }
            foreach (var candidate in allowed)
            {
                if (candidate.Kind != PyKind.List || ItemsPass(param, value.Items!, candidate.Items!, items))
                {
                    return new BfclCheckResult(true, null, null, isVariable);
                }
            }
            nestedFailed = true;
        }
        // BFCL falls through here after a failed item check too: a value of the allowed values' type still
        // returns the nested failure, anything else is reported as a simple type error.
        if (allowedType is { } variableType && valueType == variableType)
        {
            return nestedFailed
                ? BfclCheckResult.Fail("type_error:nested",
                    $"Nested type checking failed for parameter '{param}'. Expected outer type {schemaType} with inner type {BfclTypes.Name(itemType!.Value)}. Parameter value: {value}.")
                : new BfclCheckResult(true, null, null, IsVariable: true);
        }
        return BfclCheckResult.Fail("type_error:simple",
            $"Incorrect type for parameter '{param}'. Expected type {schemaType}, got {BfclTypes.Name(valueType)}. Parameter value: {value}.");
    }

    // Every item must pass the plain type check against this one allowed list (whose first element sets the
    // variable type of the items).
    private static bool ItemsPass(string param, IReadOnlyList<PyValue> items, IReadOnlyList<PyValue> allowedItems, PyType itemType)
    {
        foreach (var item in items)
        {
            if (!Check(param, item, allowedItems, BfclTypes.Name(itemType), itemType, null).Valid)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>BFCL's <c>get_possible_answer_type</c>: the type of the first allowed value that is not <c>""</c>.</summary>
    private static PyType? FirstAllowedType(IReadOnlyList<PyValue> allowed)
    {
        foreach (var value in allowed)
        {
            if (!BfclTypes.IsOmitMarker(value))
            {
                return BfclTypes.Of(value);
            }
        }
        return null;
    }
}
