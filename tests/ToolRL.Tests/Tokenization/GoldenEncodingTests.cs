using System.Text;
using System.Text.Json;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>The 51 Hugging Face encode goldens and the chat golden published with the Qwen2.5 tokenizer (reference data).</summary>
public sealed class GoldenEncodingTests
{
    public static TheoryData<int> GoldenIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < LoadGoldens().Count; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [ReferenceFact]
    public void All51GoldensArePresent() => Assert.Equal(51, LoadGoldens().Count);

    [ReferenceTheory]
    [MemberData(nameof(GoldenIndices))]
    public void EncodeMatchesHuggingFace(int index)
    {
        var (text, expected) = LoadGoldens()[index];
        Assert.Equal(expected, SharedQwenTokenizer.Instance.EncodeToIds(text));
        Assert.Equal(expected.Length, SharedQwenTokenizer.Instance.CountTokens(text));
    }

    [ReferenceTheory]
    [MemberData(nameof(GoldenIndices))]
    public void DecodeRestoresNfcText(int index)
    {
        var (text, expected) = LoadGoldens()[index];
        Assert.Equal(text.Normalize(NormalizationForm.FormC), SharedQwenTokenizer.Instance.Decode(expected));
    }

    [ReferenceFact]
    public void ChatGoldenRendersAndEncodes()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("models", "qwen2.5-tokenizer", "test-vectors", "chat_golden.json")));
        var golden = document.RootElement[0];
        var messages = golden.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))
            .ToList();
        var rendered = Qwen25ChatTemplate.Render(messages, addGenerationPrompt: golden.GetProperty("add_generation_prompt").GetBoolean());
        Assert.Equal(golden.GetProperty("rendered").GetString(), rendered);
        var ids = golden.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(ids, SharedQwenTokenizer.Instance.EncodeToIds(rendered));
    }

    private static List<(string Text, int[] Ids)> LoadGoldens()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.Reference("models", "qwen2.5-tokenizer", "test-vectors", "encode_golden.json")));
        return document.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("text").GetString()!, e.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
            .ToList();
    }
}
