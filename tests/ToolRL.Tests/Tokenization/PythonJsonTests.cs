using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary><see cref="PythonJson"/> against CPython's json.dumps (tools/tokenizer/gen-python-json.py).</summary>
public sealed class PythonJsonTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "python_json_cases.json")));
        foreach (var c in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("input").GetString()!, c.GetProperty("output").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DumpsLikePython(string input, string expected)
    {
        Assert.Equal(expected, PythonJson.Dumps(JsonNode.Parse(input)));
    }

    [Fact]
    public void ValuesBuiltInCodeUsePythonFloatForm()
    {
        var node = new JsonObject { ["f"] = 2.0, ["i"] = 3, ["s"] = "é" };
        Assert.Equal("{\"f\": 2.0, \"i\": 3, \"s\": \"é\"}", PythonJson.Dumps(node));
    }

    [Fact]
    public void EnsureAsciiEscapesLikePythonDefault()
    {
        // Expected text from /usr/bin/python3: json.dumps({"s": "é😀\u2028x", "kü": [1, 2.5, "\n"]})
        var node = JsonNode.Parse("{\"s\": \"é😀\u2028x\", \"kü\": [1, 2.5, \"\\n\"]}");
        Assert.Equal("{\"s\": \"\\u00e9\\ud83d\\ude00\\u2028x\", \"k\\u00fc\": [1, 2.5, \"\\n\"]}", PythonJson.Dumps(node, ensureAscii: true));
    }
}
