using ToolRL.Evaluation.Bfcl;
using ToolRL.Rewards.Python;

namespace ToolRL.Tests.Evaluation;

/// <summary>
/// BFCL's AST checker rules on BFCL-format cases written for these tests; each expected error type is what BFCL's
/// ast_checker.py returns for the case (its rules as documented, including the surprising ones).
/// </summary>
public sealed class BfclCheckerTests
{
    private const string Area = """
        {"name": "geo.area", "description": "Area of a shape.", "parameters": {"type": "dict", "properties": {
          "base": {"type": "integer", "description": "b"}, "height": {"type": "float", "description": "h"},
          "unit": {"type": "string", "description": "u"}, "tags": {"type": "array", "items": {"type": "string"}, "description": "t"},
          "weights": {"type": "array", "items": {"type": "float"}, "description": "w"}, "exact": {"type": "boolean", "description": "e"},
          "options": {"type": "dict", "description": "o", "properties": {"mode": {"type": "string"}, "scale": {"type": "integer"}}},
          "points": {"type": "array", "items": {"type": "dict"}, "description": "p"}, "note": {"type": "any", "description": "n"}},
          "required": ["base", "height"]}}
        """;

    private const string AreaTruth = """
        {"geo.area": {"base": [10], "height": [5.0, 2.5], "unit": ["square meters", "m2", ""], "tags": [["Red Car", "blue"], ""],
          "weights": [[1.0, 2.0]], "exact": [true, ""], "options": [{"mode": ["fast", ""], "scale": [2]}, ""],
          "points": [[{"x": [1], "y": [2, ""]}, {"x": [3], "y": [4]}], ""], "note": ["", "n/a"]}}
        """;

    private static string Simple(string arguments) => Check("simple", [Area], [AreaTruth], $$$"""[{"geo.area": {{{arguments}}}}]""");

    [Fact]
    public void An_exact_call_passes_and_extra_allowed_forms_pass()
    {
        Assert.Equal("valid", Simple("""{"base": 10, "height": 5.0, "weights": [1.0, 2.0]}"""));
        Assert.Equal("valid", Simple("""{"base": 10, "height": 2.5, "unit": "M2", "weights": [1.0, 2.0]}"""));
    }

    [Fact]
    public void Name_required_and_unexpected_parameters_fail_in_BFCLs_order()
    {
        Assert.Equal("simple_function_checker:wrong_func_name", Check("simple", [Area], [AreaTruth], """[{"geo_area": {"base": 10, "height": 5}}]"""));
        Assert.Equal("simple_function_checker:wrong_func_name", Check("simple", [Area], [AreaTruth], """[{"Geo.Area": {"base": 10, "height": 5}}]"""));
        Assert.Equal("simple_function_checker:missing_required", Simple("""{"base": 10, "colour": "red"}"""));
        Assert.Equal("simple_function_checker:unexpected_param", Simple("""{"base": 10, "height": 5, "colour": "red"}"""));
        // In the schema but not in the ground truth: unexpected too.
        const string narrowTruth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0]]}}""";
        Assert.Equal("simple_function_checker:unexpected_param", Check("simple", [Area], [narrowTruth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "unit": "m2"}}]"""));
        // Parameters are checked in the model's order: the bad type comes before the unknown name.
        Assert.Equal("type_error:simple", Simple("""{"base": "10", "height": 5, "colour": "red"}"""));
        Assert.Equal("simple_function_checker:unexpected_param", Simple("""{"colour": "red", "base": "10", "height": 5}"""));
        Assert.Equal("simple_function_checker:missing_optional", Simple("""{"base": 10, "height": 5}"""));
    }

    [Fact]
    public void Python_type_rules_hold()
    {
        Assert.Equal("valid", Simple("""{"base": 10, "height": 5, "weights": [1.0, 2.0]}"""));        // int → float
        Assert.Equal("type_error:simple", Simple("""{"base": 10.0, "height": 5, "weights": [1.0, 2.0]}"""));  // 10.0 is no int
        Assert.Equal("type_error:simple", Simple("""{"base": true, "height": 5, "weights": [1.0, 2.0]}"""));  // bool is no int
        Assert.Equal("type_error:simple", Simple("""{"base": 10, "height": "5", "weights": [1.0, 2.0]}"""));
        Assert.Equal("type_error:simple", Simple("""{"base": 10, "height": 5, "weights": [1.0, 2.0], "exact": 1}"""));
        Assert.Equal("type_error:simple", Simple("""{"base": 10, "height": 5, "weights": [1.0, 2.0], "note": 3}"""));   // any means str
        Assert.Equal("type_error:simple", Simple("""{"base": 10, "height": 5, "weights": [1.0, 2.0], "exact": null}"""));
        // No int → float inside arrays: the item check fails.
        Assert.Equal("type_error:nested", Simple("""{"base": 10, "height": 5, "weights": [1, 2]}"""));
        Assert.Equal("type_error:nested", Simple("""{"base": 10, "height": 5, "weights": [1.0, "2"]}"""));
    }

    [Fact]
    public void An_omit_marker_skips_the_item_type_check_and_then_values_compare_by_python_equality()
    {
        const string truth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0], ""]}}""";
        Assert.Equal("valid", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1, 2]}}]"""));
        Assert.Equal("value_error:list/tuple", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [2, 1]}}]"""));
    }

    [Fact]
    public void Strings_are_normalised_on_both_sides()
    {
        string With(string unit) => Simple($$"""{"base": 10, "height": 5, "weights": [1.0, 2.0], "unit": {{unit}}}""");
        Assert.Equal("valid", With("\"Square-Meters\""));
        Assert.Equal("valid", With("\"square_meters.\""));
        Assert.Equal("valid", With("\"s*q^u/a,r e meters\""));
        Assert.Equal("valid", With("\"\""));          // "" matches the omit marker
        Assert.Equal("valid", With("\" - \""));       // normalises to ""
        Assert.Equal("value_error:string", With("\"square meters!\""));
        Assert.Equal("value_error:string", With("\"square\\tmeters\""));   // tabs stay
        Assert.Equal("value_error:string", With("\"square\\u2013meters\""));   // en dash stays
        Assert.Equal("value_error:string", With("\"square metres\""));
    }

    [Fact]
    public void Quotes_normalise_to_double_quotes()
    {
        const string doc = """{"name": "say", "description": "", "parameters": {"type": "dict", "properties": {"text": {"type": "string"}}, "required": ["text"]}}""";
        const string truth = """{"say": {"text": ["He said \"hi\""]}}""";
        Assert.Equal("valid", Check("simple", [doc], [truth], """[{"say": {"text": "he said 'hi'"}}]"""));
        Assert.Equal("value_error:string", Check("simple", [doc], [truth], """[{"say": {"text": "he said `hi`"}}]"""));
    }

    [Fact]
    public void Lists_match_whole_in_order_with_string_items_normalised()
    {
        string With(string tags) => Simple($$"""{"base": 10, "height": 5, "weights": [1.0, 2.0], "tags": {{tags}}}""");
        Assert.Equal("valid", With("""["red car", "BLUE"]"""));
        Assert.Equal("valid", With("[]"));     // [] equals the "" marker
        Assert.Equal("value_error:list/tuple", With("""["blue", "red car"]"""));
        Assert.Equal("value_error:list/tuple", With("""["red car"]"""));
        Assert.Equal("value_error:list/tuple", With("""["red car", 3]"""));   // "" in the allowed list skips the item check
        const string truth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0]], "tags": [["red car", "blue"]]}}""";
        Assert.Equal("type_error:nested", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "tags": ["red car", 3]}}]"""));
        Assert.Equal("type_error:simple", With("\"red car, blue\""));
    }

    [Fact]
    public void Dicts_check_keys_and_values_without_types()
    {
        string With(string options) => Simple($$"""{"base": 10, "height": 5, "weights": [1.0, 2.0], "options": {{options}}}""");
        Assert.Equal("valid", With("""{"mode": "FAST", "scale": 2}"""));
        Assert.Equal("valid", With("""{"scale": 2.0}"""));                       // no type check: 2.0 == 2; mode may be omitted
        Assert.Equal("value_error:dict_value", With("""{"scale": true}"""));     // True == 1, not 2
        Assert.Equal("value_error:dict_key", With("""{"scale": 2, "speed": 1}"""));
        Assert.Equal("value_error:dict_value", With("""{"mode": "slow", "scale": 2}"""));
        Assert.Equal("value_error:dict_key", With("""{"mode": "fast"}"""));      // scale may not be omitted
        // A bad value and a missing key: BFCL's missing-key pass runs last and its error wins.
        const string truth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0]], "options": [{"mode": ["fast"], "scale": [2]}]}}""";
        Assert.Equal("value_error:dict_key", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "options": {"mode": "slow"}}}]"""));
    }

    [Fact]
    public void A_dict_for_a_parameter_allowed_only_to_be_omitted_fails_as_unclear()
    {
        const string truth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0]], "options": [""]}}""";
        Assert.Equal("dict_checker:unclear", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "options": {"mode": "fast"}}}]"""));
    }

    [Fact]
    public void Lists_of_dicts_match_dict_by_dict_in_order()
    {
        string With(string points) => Simple($$"""{"base": 10, "height": 5, "weights": [1.0, 2.0], "points": {{points}}}""");
        Assert.Equal("valid", With("""[{"x": 1}, {"x": 3, "y": 4}]"""));
        Assert.Equal("valid", With("[]"));
        Assert.Equal("value_error:list_dict_count", With("""[{"x": 1, "y": 2}]"""));
        // The first allowed list fails on a value, then the "" marker (length 0) fails on the count, and the
        // last failure is the one reported.
        Assert.Equal("value_error:list_dict_count", With("""[{"x": 3, "y": 4}, {"x": 1, "y": 2}]"""));
        const string truth = """{"geo.area": {"base": [10], "height": [5.0], "weights": [[1.0, 2.0]], "points": [[{"x": [1]}, {"x": [3]}]]}}""";
        Assert.Equal("value_error:dict_value", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "points": [{"x": 3}, {"x": 1}]}}]"""));
        Assert.Equal("type_error:nested", Check("simple", [Area], [truth], """[{"geo.area": {"base": 10, "height": 5, "weights": [1.0, 2.0], "points": [{"x": 1}, 3]}}]"""));
    }

    [Fact]
    public void A_ground_truth_of_another_type_than_the_schema_makes_a_variable_compared_plainly()
    {
        const string doc = """{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"flag": {"type": "string"}, "ratio": {"type": "float"}}, "required": []}}""";
        const string truth = """{"f": {"flag": [true], "ratio": [0, ""]}}""";
        Assert.Equal("valid", Check("simple", [doc], [truth], """[{"f": {"flag": true}}]"""));
        Assert.Equal("value_error:others", Check("simple", [doc], [truth], """[{"f": {"flag": "true"}}]"""));    // no normalisation, "true" != True
        Assert.Equal("valid", Check("simple", [doc], [truth], """[{"f": {"flag": true, "ratio": 0}}]"""));
        Assert.Equal("valid", Check("simple", [doc], [truth], """[{"f": {"flag": true, "ratio": 0.0}}]"""));
        Assert.Equal("type_error:simple", Check("simple", [doc], [truth], """[{"f": {"flag": 1}}]"""));          // an int is neither str nor the variable's bool
        Assert.Equal("type_error:simple", Check("simple", [doc], [truth], """[{"f": {"flag": 1.0}}]"""));
        Assert.Equal("value_error:others", Check("simple", [doc], [truth], """[{"f": {"flag": true, "ratio": 0.5}}]"""));
    }

    [Fact]
    public void Simple_checks_against_the_first_doc_by_its_own_name()
    {
        const string doc = """{"name": "shop.find", "description": "", "parameters": {"type": "dict", "properties": {"q": {"type": "string"}}, "required": ["q"]}}""";
        const string truth = """{"find": {"q": ["tea"]}}""";
        Assert.Equal("valid", Check("simple", [doc], [truth], """[{"shop.find": {"q": "tea"}}]"""));
        Assert.Equal("simple_function_checker:wrong_func_name", Check("simple", [doc], [truth], """[{"find": {"q": "tea"}}]"""));
        Assert.Equal("simple_function_checker:wrong_count", Check("simple", [doc], [truth], "[]"));
        Assert.Equal("simple_function_checker:wrong_count", Check("simple", [doc], [truth], """[{"shop.find": {"q": "tea"}}, {"shop.find": {"q": "tea"}}]"""));
    }

    private const string Add = """{"name": "add", "description": "", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}""";
    private const string Echo = """{"name": "echo", "description": "", "parameters": {"type": "dict", "properties": {"text": {"type": "string"}}, "required": ["text"]}}""";

    [Fact]
    public void Multiple_checks_one_call_against_the_doc_the_ground_truth_names()
    {
        string[] truth = ["""{"echo": {"text": ["hi"]}}"""];
        Assert.Equal("valid", Check("multiple", [Add, Echo], truth, """[{"echo": {"text": "HI"}}]"""));
        Assert.Equal("simple_function_checker:wrong_func_name", Check("multiple", [Add, Echo], truth, """[{"add": {"a": 1, "b": 2}}]"""));
        Assert.Equal("multiple_function_checker:wrong_count", Check("live_multiple", [Add, Echo], truth, """[{"echo": {"text": "hi"}}, {"echo": {"text": "hi"}}]"""));
    }

    [Fact]
    public void Parallel_matches_calls_in_any_order_with_the_right_count()
    {
        string[] truth = ["""{"add": {"a": [1], "b": [2]}}""", """{"echo": {"text": ["x"]}}""", """{"add": {"a": [3], "b": [4]}}"""];
        Assert.Equal("valid", Check("parallel_multiple", [Add, Echo], truth, """[{"add": {"a": 1, "b": 2}}, {"echo": {"text": "x"}}, {"add": {"a": 3, "b": 4}}]"""));
        Assert.Equal("valid", Check("parallel_multiple", [Add, Echo], truth, """[{"add": {"b": 4, "a": 3}}, {"echo": {"text": "X"}}, {"add": {"a": 1, "b": 2}}]"""));
        Assert.Equal("parallel_function_checker_no_order:wrong_count", Check("parallel_multiple", [Add, Echo], truth, """[{"add": {"a": 1, "b": 2}}, {"echo": {"text": "x"}}]"""));
        Assert.Equal("parallel_function_checker_no_order:cannot_find_match", Check("live_parallel", [Add, Echo], truth, """[{"add": {"a": 1, "b": 2}}, {"echo": {"text": "x"}}, {"add": {"a": 3, "b": 5}}]"""));
        Assert.Equal("parallel_function_checker_no_order:cannot_find_match", Check("parallel", [Add, Echo], truth, """[{"add": {"a": 1, "b": 2}}, {"add": {"a": 1, "b": 2}}, {"add": {"a": 3, "b": 4}}]"""));
    }

    [Fact]
    public void Greedy_parallel_matching_can_reject_a_correct_set_in_one_order()
    {
        // Ground truth 0 allows c = 5 or no c. In the second order the call without c matches it first, which
        // leaves the call with c to ground truth 1, where c is not allowed at all: BFCL reports no match.
        const string doc = """{"name": "g", "description": "", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}, "c": {"type": "integer"}}, "required": ["a"]}}""";
        string[] truth = ["""{"g": {"a": [1], "c": [5, ""]}}""", """{"g": {"a": [1]}}"""];
        Assert.Equal("valid", Check("parallel", [doc], truth, """[{"g": {"a": 1, "c": 5}}, {"g": {"a": 1}}]"""));
        Assert.Equal("parallel_function_checker_no_order:cannot_find_match", Check("parallel", [doc], truth, """[{"g": {"a": 1}}, {"g": {"a": 1, "c": 5}}]"""));
    }

    [Fact]
    public void Output_that_is_not_a_list_of_calls_is_a_format_error()
    {
        string[] truth = ["""{"echo": {"text": ["hi"]}}"""];
        Assert.Equal("ast_decoder:decoder_wrong_output_format", Check("simple", [Echo], truth, """[{"echo": "hi"}]"""));
        Assert.Equal("ast_decoder:decoder_wrong_output_format", Check("simple", [Echo], truth, """[{"echo": {"text": "hi"}, "add": {}}]"""));
        Assert.Equal("ast_decoder:decoder_wrong_output_format", Check("parallel", [Echo], truth, """{"echo": {"text": "hi"}}"""));
    }

    [Fact]
    public void Irrelevance_passes_without_a_call_and_never_looks_at_arguments()
    {
        Assert.Equal("valid", Check("irrelevance", [Echo], null, "[]"));
        Assert.Equal("valid", Check("live_irrelevance", [Echo], null, "[{}]"));
        Assert.Equal("valid", Check("irrelevance", [Echo], null, """[{"echo": "not a dict"}]"""));
        Assert.Equal("irrelevance_error:decoder_success", Check("irrelevance", [Echo], null, """[{"nothing_like_it": {}}]"""));
        Assert.Equal("irrelevance_error:decoder_success", Check("live_irrelevance", [], null, """[{"echo": {"text": 5}}]"""));
        Assert.Equal("relevance_error:decoder_failed", Check("live_relevance", [Echo], null, "[]"));
        Assert.Equal("valid", Check("live_relevance", [Echo], null, """[{"anything": {}}]"""));
    }

    /// <summary>Runs the checker; "valid" or the error type.</summary>
    internal static string Check(string category, string[] docs, string[]? truth, string decoded)
    {
        var functions = docs.Select((d, i) => BfclFunctionDoc.Parse(Parse(d), $"doc {i}")).ToList();
        var calls = truth?.Select((t, i) => BfclExpectedCall.Parse(Parse(t), $"truth {i}")).ToList();
        var result = BfclAstChecker.Check(category, functions, calls, Parse(decoded));
        return result.Valid ? "valid" : result.ErrorType!;
    }

    private static PyValue Parse(string json) => PyJson.Parse(json.ReplaceLineEndings(" ")) ?? throw new ArgumentException($"not JSON: {json}");
}
