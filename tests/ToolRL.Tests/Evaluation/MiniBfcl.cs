namespace ToolRL.Tests.Evaluation;

/// <summary>
/// A small BFCL-format data set written for the tests (eight entries over six categories), and responses with
/// known verdicts.
/// </summary>
internal static class MiniBfcl
{
    private const string Area = """{"name": "calc_area", "description": "Area of a triangle.", "parameters": {"type": "dict", "properties": {"base": {"type": "integer", "description": "Base."}, "height": {"type": "integer", "description": "Height."}, "unit": {"type": "string", "description": "Unit."}}, "required": ["base", "height"]}}""";
    private const string Factorial = """{"name": "math.factorial", "description": "n!", "parameters": {"type": "dict", "properties": {"number": {"type": "integer", "description": "n"}}, "required": ["number"]}}""";
    private const string Add = """{"name": "add", "description": "a + b", "parameters": {"type": "dict", "properties": {"a": {"type": "integer", "description": "a"}, "b": {"type": "integer", "description": "b"}}, "required": ["a", "b"]}}""";
    private const string Echo = """{"name": "echo", "description": "Repeats text.", "parameters": {"type": "dict", "properties": {"text": {"type": "string", "description": "The text."}}, "required": ["text"]}}""";

    private static string Question(string id, string user, params string[] docs) =>
        $$"""{"id": "{{id}}", "question": [[{"role": "user", "content": "{{user}}"}]], "function": [{{string.Join(", ", docs)}}]}""";

    private static string Answer(string id, params string[] calls) => $$"""{"id": "{{id}}", "ground_truth": [{{string.Join(", ", calls)}}]}""";

    public static Dictionary<string, string> Files() => new()
    {
        ["BFCL_v3_simple.json"] = Question("simple_0", "Area of a triangle with base 10 and height 5?", Area) + "\n" + Question("simple_1", "What is 5 factorial?", Factorial),
        ["possible_answer/BFCL_v3_simple.json"] = Answer("simple_0", """{"calc_area": {"base": [10], "height": [5], "unit": ["units", ""]}}""") + "\n"
            + Answer("simple_1", """{"math.factorial": {"number": [5]}}"""),
        ["BFCL_v3_multiple.json"] = Question("multiple_0", "Say hi.", Add, Echo),
        ["possible_answer/BFCL_v3_multiple.json"] = Answer("multiple_0", """{"echo": {"text": ["hi"]}}"""),
        ["BFCL_v3_parallel.json"] = Question("parallel_0", "Add 1 and 2, and 3 and 4.", Add),
        ["possible_answer/BFCL_v3_parallel.json"] = Answer("parallel_0", """{"add": {"a": [1], "b": [2]}}""", """{"add": {"a": [3], "b": [4]}}"""),
        ["BFCL_v3_parallel_multiple.json"] = Question("parallel_multiple_0", "Add 1 and 2 and say x.", Add, Echo),
        ["possible_answer/BFCL_v3_parallel_multiple.json"] = Answer("parallel_multiple_0", """{"add": {"a": [1], "b": [2]}}""", """{"echo": {"text": ["x"]}}"""),
        ["BFCL_v3_irrelevance.json"] = Question("irrelevance_0", "What is the capital of France?", Add) + "\n" + Question("irrelevance_1", "Tell me a joke.", Echo),
        ["BFCL_v3_live_simple.json"] = Question("live_simple_0-0-0", "Echo hello world", Echo),
        ["possible_answer/BFCL_v3_live_simple.json"] = Answer("live_simple_0-0-0", """{"echo": {"text": ["Hello, world"]}}"""),
        ["BFCL_v3_live_irrelevance.json"] = Question("live_irrelevance_0-0-0", "How are you?", Add),
    };

    private static string Call(string json) => $"<think> ok </think>\n<tool_call>\n{json}\n</tool_call>";

    /// <summary>(category, id, response, valid, error_type).</summary>
    public static readonly (string Category, string Id, string Response, bool Valid, string? ErrorType)[] Responses =
    [
        ("simple", "simple_0", Call("""{"name": "calc_area", "parameters": {"base": 10, "height": 5}}"""), true, null),
        ("simple", "simple_1", Call("""{"name": "math.factorial", "parameters": {"number": 6}}"""), false, "value_error:others"),
        ("multiple", "multiple_0", Call("""{"name": "echo", "parameters": {"text": "Hi!"}}"""), false, "value_error:string"),
        ("parallel", "parallel_0", Call("{\"name\": \"add\", \"parameters\": {\"a\": 3, \"b\": 4}}\n{\"name\": \"add\", \"parameters\": {\"a\": 1, \"b\": 2}}"), true, null),
        ("parallel_multiple", "parallel_multiple_0", Call("""{"name": "add", "parameters": {"a": 1, "b": 2}}"""), false, "parallel_function_checker_no_order:wrong_count"),
        ("irrelevance", "irrelevance_0", "<think> no tool fits </think>\n<response> Paris. </response>", true, null),
        ("irrelevance", "irrelevance_1", Call("""{"name": "echo", "parameters": {"text": "joke"}}"""), false, "irrelevance_error:decoder_success"),
        ("live_simple", "live_simple_0-0-0", Call("""{"name": "echo", "parameters": {"text": "hello world"}}"""), true, null),
        ("live_irrelevance", "live_irrelevance_0-0-0", Call("""{"name": "None", "parameters": {}}"""), true, null),
    ];
}
