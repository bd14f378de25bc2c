using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// Every prompt message, ground truth and rendered chat prompt of the rlla files (reference data), against the
/// token-id hashes that @lenml/tokenizers and @huggingface/jinja produced (tools/tokenizer/gen-rlla-fixtures.mjs).
/// </summary>
public sealed class RllaReferenceTests
{
    [ReferenceTheory]
    [InlineData("test.jsonl")]
    [InlineData("rlla_sft_rlformat.jsonl")]
    public void EncodingsAndRenderedPromptsMatchReference(string file)
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "rlla_hashes.json")));
        var expected = fixture.RootElement.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("file").GetString() == file)
            .ToDictionary(e => (e.GetProperty("line").GetInt32(), e.GetProperty("field").GetString()!), e => e.Clone());
        var tokenizer = SharedQwenTokenizer.Instance;
        var lines = File.ReadAllLines(TestPaths.Reference("data", "rlla", file));
        var checkedEntries = 0;
        var failures = new List<string>();
        for (var index = 0; index < lines.Length; index++)
        {
            if (string.IsNullOrWhiteSpace(lines[index]))
            {
                continue;
            }
            var line = index + 1;
            var row = JsonNode.Parse(lines[index])!.AsObject();
            var prompt = row["prompt"]!.AsArray();
            void Check(string field, string text, bool checkText)
            {
                var entry = expected[(line, field)];
                var ids = tokenizer.EncodeToIds(text);
                if (ids.Count != entry.GetProperty("count").GetInt32() || IdsHash(ids) != entry.GetProperty("ids").GetString()
                    || (checkText && Hash(text) != entry.GetProperty("text").GetString()))
                {
                    failures.Add($"{file}:{line} {field}");
                }
                checkedEntries++;
            }
            for (var i = 0; i < prompt.Count; i++)
            {
                Check($"prompt[{i}].content", prompt[i]!["content"]!.GetValue<string>(), false);
            }
            Check("reward_model.ground_truth", row["reward_model"]!["ground_truth"]!.GetValue<string>(), false);
            Check("chat", Qwen25ChatTemplate.Render(ChatJson.ParseMessages(prompt, $"{file}:{line}"), addGenerationPrompt: true), true);
        }
        Assert.Empty(failures);
        Assert.Equal(expected.Count, checkedEntries);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string IdsHash(IReadOnlyList<int> ids) => Hash(string.Join(',', ids));
}
