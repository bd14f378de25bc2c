using System.Text;
using System.Text.Json;
using ToolRL.Testing;

namespace ToolRL.Tests.Tokenization;

/// <summary>
/// Edge cases and seeded fuzz strings encoded by @lenml/tokenizers (tools/tokenizer/gen-encode-fixtures.mjs):
/// multilingual text, emoji with joiners, supplementary-plane letters and digits, digit and whitespace runs
/// with CRLF, text touching added tokens, NFC.
/// </summary>
public sealed class ReferenceEncodingTests
{
    private static readonly Lazy<List<(string Name, string Text, int[] Ids)>> Cases = new(Load);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Value.Where(c => !c.Name.StartsWith("fuzz", StringComparison.Ordinal)))
        {
            data.Add(c.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesReference(string name)
    {
        var (_, text, ids) = Cases.Value.Single(c => c.Name == name);
        Assert.Equal(ids, SharedQwenTokenizer.Instance.EncodeToIds(text));
        Assert.Equal(text.Normalize(NormalizationForm.FormC), SharedQwenTokenizer.Instance.Decode(ids));
    }

    [Fact]
    public void AllFuzzStringsMatchReference()
    {
        var fuzz = Cases.Value.Where(c => c.Name.StartsWith("fuzz", StringComparison.Ordinal)).ToList();
        Assert.Equal(400, fuzz.Count);
        var mismatches = fuzz
            .Where(c => !SharedQwenTokenizer.Instance.EncodeToIds(c.Text).SequenceEqual(c.Ids))
            .Select(c => $"{c.Name} {JsonSerializer.Serialize(c.Text)}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.All(fuzz, c => Assert.Equal(c.Text.Normalize(NormalizationForm.FormC), SharedQwenTokenizer.Instance.Decode(c.Ids)));
    }

    private static List<(string, string, int[])> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "tokenizer", "encode_cases.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
            .ToList();
    }
}
