using ToolRL.Evaluation.Bfcl;

namespace ToolRL.Tests.Evaluation;

/// <summary>The ToolRL paper's BFCL handler: decoding of &lt;tool_call&gt; blocks and the prompt it writes.</summary>
public sealed class ToolRLBfclHandlerTests
{
    [Theory]
    [InlineData("<think> no tools </think>\n<response> Hello </response>", "[]")]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": 1, \"y\": 2.0}}\n</tool_call>", "[{\"f\": {\"x\": 1, \"y\": 2.0}}]")]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n{\"name\": \"g\", \"parameters\": {\"s\": \"\\u00e9\"}}\n</tool_call>", "[{\"f\": {}}, {\"g\": {\"s\": \"é\"}}]")]
    // Only the LAST block counts.
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"g\", \"parameters\": {}}\n</tool_call>", "[{\"g\": {}}]")]
    // A missing close tag reads to the end.
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": 1}}", "[{\"f\": {\"x\": 1}}]")]
    // Lines that fail to parse or lack name/parameters are skipped silently; "None" calls too.
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": 1}\n{\"name\": \"g\", \"arguments\": {}}\n{\"name\": \" NONE \", \"parameters\": {}}\n{\"name\": \"h\", \"parameters\": {}}\n</tool_call>", "[{\"h\": {}}]")]
    [InlineData("<tool_call>\n[{\"name\": \"f\", \"parameters\": {}}]\n{\"name\": 5, \"parameters\": {}}\n\"text\"\n</tool_call>", "[]")]
    // A pretty-printed object spans lines, none of which parses alone.
    [InlineData("<tool_call>\n{\n  \"name\": \"f\",\n  \"parameters\": {}\n}\n</tool_call>", "[]")]
    // Parameters are not checked: a string passes through (and is then a format error for the checker).
    [InlineData("<tool_call>\n{\"name\": \"f\", \"parameters\": \"x=1\"}\n</tool_call>", "[{\"f\": \"x=1\"}]")]
    // json.loads rules: NaN is accepted, trailing \r is whitespace, a repeated key keeps the last value.
    [InlineData("<tool_call>\r\n{\"name\": \"f\", \"parameters\": {\"x\": NaN, \"x\": 2}}\r\n</tool_call>", "[{\"f\": {\"x\": 2}}]")]
    public void Decodes_tool_call_blocks_as_decode_ast_does(string response, string expected)
    {
        Assert.Equal(expected, ToolRLBfclHandler.DecodeToJson(response));
    }

    [Fact]
    public void The_prompt_is_ToolRLs_chatml_with_BFCLs_python_hint_and_no_system_messages()
    {
        var dir = BfclTestData.Write(new()
        {
            ["BFCL_v3_live_simple.json"] =
                """{"id": "live_simple_0-0-0", "question": [[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  Weather in Zürich?\n"}]], "function": [{"name": "get_weather", "description": "Current weather.", "parameters": {"type": "dict", "properties": {"city": {"type": "string", "description": "City, e.g. Zürich"}, "days": {"type": "integer", "description": "Days", "default": 1.0}}, "required": ["city"]}}, {"name": "noop", "description": "Nothing.", "parameters": {"type": "dict", "properties": {}, "required": []}}]}""",
            ["possible_answer/BFCL_v3_live_simple.json"] = """{"id": "live_simple_0-0-0", "ground_truth": [{"get_weather": {"city": ["Zurich"]}}]}""",
        });
        using var _ = dir;
        var entry = BfclDataset.Load(dir.Path).Entries.Single();
        const string expected =
            "<|im_start|>system\n"
            + "You are a helpful multi-turn dialogue assistant capable of leveraging tool calls to solve user tasks and provide structured chat responses.\n\n"
            + "**Available Tools**\nIn your response, you can use the following tools:\n"
            + "1. Name: get_weather\nDescription: Current weather. Note that the provided function is in Python 3 syntax.\n"
            + "Parameters: {\"city\": {\"type\": \"string\", \"description\": \"City, e.g. Z\\u00fcrich\"}, \"days\": {\"type\": \"integer\", \"description\": \"Days\", \"default\": 1.0}}\n"
            + "2. Name: noop\nDescription: Nothing. Note that the provided function is in Python 3 syntax.\nParameters: {}\n\n"
            + "**Steps for Each Turn**\n"
            + "1. **Think:** Recall relevant context and analyze the current user goal.\n"
            + "2. **Decide on Tool Usage:** If a tool is needed, specify the tool and its parameters.\n"
            + "3. **Respond Appropriately:** If a response is needed, generate one while maintaining consistency across user queries.\n\n"
            + "**Output Format**\n```plaintext\n<think> Your thoughts and reasoning </think>\n<tool_call>\n"
            + "{\"name\": \"Tool name\", \"parameters\": {\"Parameter name\": \"Parameter content\", \"... ...\": \"... ...\"}}\n"
            + "{\"name\": \"... ...\", \"parameters\": {\"... ...\": \"... ...\", \"... ...\": \"... ...\"}}\n...\n</tool_call>\n"
            + "<response> AI's final response </response>\n```\n\n"
            + "**Important Notes**\n"
            + "1. You must always include the `<think>` field to outline your reasoning. Provide at least one of `<tool_call>` or `<response>`. Decide whether to use `<tool_call>` (possibly multiple times), `<response>`, or both.\n"
            + "2. You can invoke multiple tool calls simultaneously in the `<tool_call>` fields. Each tool call should be a JSON object with a \"name\" field and an \"parameters\" field containing a dictionary of parameters. If no parameters are needed, leave the \"parameters\" field an empty dictionary.\n"
            + "3. Refer to the previous dialogue records in the history, including the user's queries, previous `<tool_call>`, `<response>`, and any tool feedback noted as `<obs>` (if exists).\n"
            + "<|im_end|>\n<|im_start|>user\n"
            + "**Dialogue Records History**\n<user> Weather in Zürich?\n"
            + "If there's no appropriate tools to apply or required parameters are missing, please directly inform me in your response without any tool call, or call the tool with the name as 'None'. "
            + "Otherwise, you should use one or more necessary tool calls to complete the given task in this turn. </user>"
            + "<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(expected, ToolRLBfclHandler.FormatPrompt(entry));
    }
}
