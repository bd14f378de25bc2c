using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace ToolRL.Testing;

/// <summary>
/// Microsoft.ML.Tokenizers' own <see cref="BpeTokenizer"/> configured from a Hugging Face tokenizer.json — the
/// file's vocabulary, merges, added tokens and Split pre-tokenizer regex, byte-level, NFC — as a second,
/// in-process oracle for ToolRL.Tokenization.Qwen2Tokenizer (independent of our engine and of the node
/// references the fixtures came from). Shared by the tokenizer tests and the tokenizer benchmark.
/// </summary>
internal static class BpeOracle
{
    public static BpeTokenizer FromTokenizerJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var model = root.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt32())).ToList();
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!).ToList();
        var added = root.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("id").GetInt32(), StringComparer.Ordinal);
        var pattern = root.GetProperty("pre_tokenizer").GetProperty("pretokenizers").EnumerateArray()
            .First(p => p.GetProperty("type").GetString() == "Split").GetProperty("pattern").GetProperty("Regex").GetString()!;
        return BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            SpecialTokens = added,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), added),
            Normalizer = new NfcNormalizer(),
            ByteLevel = true,
        });
    }

    /// <summary>tokenizer.json's "NFC" normalizer.</summary>
    private sealed class NfcNormalizer : Normalizer
    {
        public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

        public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
    }
}
