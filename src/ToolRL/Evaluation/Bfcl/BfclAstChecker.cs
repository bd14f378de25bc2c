using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL v3's AST checker for Python (ast_checker.py, unchanged in logic from v3's release to the last v3 commit),
/// applied to a decoded model output: a list of <c>{function_name: {param: value}}</c> calls.
/// <list type="bullet">
/// <item>Irrelevance categories pass when the output holds no call (<see cref="IsEmptyOutput"/>).</item>
/// <item>Other outputs must first be in call format, else <c>ast_decoder:decoder_wrong_output_format</c>.</item>
/// <item>Categories containing "parallel": as many calls as the ground truth, matched greedily in the ground
/// truth's order to the first unused call that passes (order-free for ordinary answers).</item>
/// <item>Containing "multiple": exactly one call, checked against the doc named by the ground truth.</item>
/// <item>Otherwise (simple): exactly one call, checked against the first doc (its name, not the ground truth's).</item>
/// </list>
/// One call is checked in BFCL's order, first failure wins: name → required parameters present → each given
/// parameter, in the model's order, known to both schema and ground truth, then its type, then its value →
/// every ground-truth parameter that may not be omitted is present.
/// </summary>
internal static class BfclAstChecker
{
    /// <summary>Checks <paramref name="decoded"/> (the handler's decoding of one response) for one entry.</summary>
    public static BfclCheckResult Check(string category, IReadOnlyList<BfclFunctionDoc> functions,
        IReadOnlyList<BfclExpectedCall>? groundTruth, PyValue decoded)
    {
        if (BfclCategories.IsRelevanceOrIrrelevance(category))
        {
            var hasCall = !IsEmptyOutput(decoded);
            if (BfclCategories.IsIrrelevance(category))
            {
                return hasCall
                    ? BfclCheckResult.Fail("irrelevance_error:decoder_success", "Valid syntax. Successfully decode AST when it should not.")
                    : BfclCheckResult.Pass;
            }
            return hasCall ? BfclCheckResult.Pass : BfclCheckResult.Fail("relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have.");
        }
        if (groundTruth is null)
        {
            return BfclCheckResult.Fail("ast_checker:no_ground_truth", $"Category '{category}' needs a possible answer for every entry.");
        }
        if (!IsCallFormat(decoded))
        {
            return BfclCheckResult.Fail("ast_decoder:decoder_wrong_output_format",
                "Did not output in the specified format: a list of {function_name: {parameter: value}} calls.");
        }
        var calls = decoded.Items!;
        if (BfclCategories.IsParallel(category))
        {
            return ParallelNoOrder(functions, calls, groundTruth);
        }
        if (BfclCategories.IsMultiple(category))
        {
            if (calls.Count != groundTruth.Count)
            {
                return BfclCheckResult.Fail("multiple_function_checker:wrong_count", "Wrong number of functions.");
            }
            return CheckCall(FindDoc(functions, groundTruth[0].Name), calls[0].Dict!, groundTruth[0]);
        }
        if (calls.Count != 1)
        {
            return BfclCheckResult.Fail("simple_function_checker:wrong_count", "Wrong number of functions.");
        }
        if (functions.Count == 0 || groundTruth.Count == 0)
        {
            return BfclCheckResult.Fail("ast_checker:no_ground_truth", "A simple entry needs one function doc and one ground-truth call.");
        }
        return CheckCall(functions[0], calls[0].Dict!, groundTruth[0]);
    }

    /// <summary>
    /// BFCL's <c>is_function_calling_format_output</c>: a list whose items are dicts with exactly one key whose
    /// value is a dict.
    /// </summary>
    public static bool IsCallFormat(PyValue decoded)
    {
        if (decoded.Items is not { } items)
        {
            return false;
        }
        foreach (var item in items)
        {
            if (item.Dict is not { Count: 1 } call || call.ValueAt(0).Kind != PyKind.Dict)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>BFCL's <c>is_empty_output</c>: not in call format, <c>[]</c> or <c>[{}]</c>.</summary>
    public static bool IsEmptyOutput(PyValue decoded) =>
        !IsCallFormat(decoded) || decoded.Items!.Count == 0 || (decoded.Items.Count == 1 && decoded.Items[0].Dict!.Count == 0);

    private static BfclCheckResult ParallelNoOrder(IReadOnlyList<BfclFunctionDoc> functions, IReadOnlyList<PyValue> calls,
        IReadOnlyList<BfclExpectedCall> groundTruth)
    {
        if (calls.Count != groundTruth.Count)
        {
            return BfclCheckResult.Fail("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.");
        }
        var used = new bool[calls.Count];
        for (var i = 0; i < groundTruth.Count; i++)
        {
            var doc = FindDoc(functions, groundTruth[i].Name);
            var matched = false;
            BfclCheckResult last = default;
            for (var j = 0; j < calls.Count && !matched; j++)
            {
                if (used[j])
                {
                    continue;
                }
                last = CheckCall(doc, calls[j].Dict!, groundTruth[i]);
                matched = used[j] = last.Valid;
            }
            if (!matched)
            {
                return BfclCheckResult.Fail("parallel_function_checker_no_order:cannot_find_match",
                    $"Could not find a matching function among the unmatched calls for ground-truth call {i} ({groundTruth[i].Name}); last error: {last.Error}");
            }
        }
        return BfclCheckResult.Pass;
    }

    // BFCL's find_description; a ground truth naming a function without a doc crashes BFCL, and is reported here.
    private static BfclFunctionDoc? FindDoc(IReadOnlyList<BfclFunctionDoc> functions, string name)
    {
        foreach (var doc in functions)
        {
            if (doc.Name == name)
            {
                return doc;
            }
        }
        return null;
    }

    /// <summary>BFCL's <c>simple_function_checker</c>: one model call against one doc and one ground-truth call.</summary>
    private static BfclCheckResult CheckCall(BfclFunctionDoc? doc, PyDict call, BfclExpectedCall expected)
    {
        if (doc is null)
        {
            return BfclCheckResult.Fail("ast_checker:function_doc_missing", $"The ground truth names '{expected.Name}', which no function doc of the entry describes.");
        }
        if (call.KeyAt(0) != doc.Name)
        {
            return BfclCheckResult.Fail("simple_function_checker:wrong_func_name", $"Function name '{doc.Name}' not found in model output.");
        }
        var arguments = call.ValueAt(0).Dict!;
        foreach (var param in doc.Required)
        {
            if (arguments.Get(param) is null)
            {
                return BfclCheckResult.Fail("simple_function_checker:missing_required", $"Missing required parameter: '{param}'.");
            }
        }
        for (var i = 0; i < arguments.Count; i++)
        {
            var param = arguments.KeyAt(i);
            var allowed = expected.AllowedFor(param);
            if (doc.Properties.Get(param) is null || allowed is null)
            {
                return BfclCheckResult.Fail("simple_function_checker:unexpected_param", $"Unexpected parameter: '{param}'.");
            }
            var result = CheckParameter(param, arguments.ValueAt(i), allowed, doc.TypeOf(param));
            if (!result.Valid)
            {
                return result;
            }
        }
        for (var i = 0; i < expected.Allowed.Count; i++)
        {
            var param = expected.Allowed.KeyAt(i);
            if (arguments.Get(param) is null && !BfclTypes.AllowsOmission(expected.Allowed.ValueAt(i).Items!))
            {
                return BfclCheckResult.Fail("simple_function_checker:missing_optional",
                    $"Optional parameter '{param}' not provided and not marked as optional.");
            }
        }
        return BfclCheckResult.Pass;
    }

    private static BfclCheckResult CheckParameter(string param, PyValue value, IReadOnlyList<PyValue> allowed, (string Type, string? ItemsType) schema)
    {
        var expected = BfclTypes.FromSchema(schema.Type)!.Value;
        var itemType = schema.ItemsType is { } items ? BfclTypes.FromSchema(items) : null;
        // Python would accept an int for a float: the value becomes a float before anything else (top level only).
        if (schema.Type == "float" && BfclTypes.Of(value) == PyType.Int)
        {
            value = PyValue.FromFloat(value.Kind == PyKind.Int ? value.Integer : (double)value.Big);
        }
        var typeCheck = BfclTypeChecker.Check(param, value, allowed, schema.Type, expected, itemType);
        if (!typeCheck.Valid)
        {
            return typeCheck;
        }
        // A "variable" (the ground truth's values have another type than the schema's) is compared as it is.
        if (!typeCheck.IsVariable)
        {
            if (expected == PyType.Dict)
            {
                return BfclValueChecker.Dict(param, value.Dict!, allowed);
            }
            if (expected == PyType.List && itemType == PyType.Dict)
            {
                return BfclValueChecker.ListOfDicts(param, value.Items!, allowed);
            }
            if (expected == PyType.Str)
            {
                return BfclValueChecker.String(param, value.Text!, allowed);
            }
            if (expected == PyType.List)
            {
                return BfclValueChecker.List(param, value.Items!, allowed);
            }
        }
        return BfclValueChecker.Others(param, value, allowed);
    }
}
