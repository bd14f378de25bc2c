using System.Text.Json;

namespace ToolRL.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> and checks that it describes the Qwen2 pipeline this library
/// implements (NFC, the Qwen2 split pattern, byte-level, plain BPE); anything else is refused with the
/// offending field named, because a silently different pipeline would give wrong ids.
/// </summary>
internal static class TokenizerJsonReader
{
    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    public static TokenizerDefinition Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new TokenizerFileException(path, "file not found; pass a Hugging Face model folder that holds tokenizer.json");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFileException(path, $"not valid JSON ({e.Message}); the file is corrupt or truncated, download it again", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFileException(path, "the top level must be a JSON object");
            }
            var model = Required(path, root, "model", JsonValueKind.Object);
            var ignoreMerges = CheckModel(path, model);
            var nfc = CheckNormalizer(path, root);
            var maxDigitRun = CheckPreTokenizer(path, root);
            CheckDecoder(path, root);
            var vocab = ReadVocab(path, Required(path, model, "vocab", JsonValueKind.Object), "model.vocab");
            var merges = ReadMerges(path, Required(path, model, "merges", JsonValueKind.Array));
            var added = root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array
                ? ReadAddedTokens(path, addedElement)
                : [];
            return new TokenizerDefinition(vocab, merges, added) { NfcNormalize = nfc, MaxDigitRun = maxDigitRun, IgnoreMerges = ignoreMerges };
        }
    }

    /// <summary>Reads a <c>{"token": id}</c> object (model.vocab or vocab.json).</summary>
    internal static Dictionary<string, int> ReadVocab(string path, JsonElement vocab, string field)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw new TokenizerFileException(path, $"{field}[\"{entry.Name}\"] = {entry.Value.GetRawText()} is not a non-negative integer id");
            }
            result[entry.Name] = id;
        }
        if (result.Count == 0)
        {
            throw new TokenizerFileException(path, $"{field} is empty");
        }
        return result;
    }

    private static List<(string, string)> ReadMerges(string path, JsonElement merges)
    {
        var result = new List<(string, string)>(merges.GetArrayLength());
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            // tokenizers < 0.20 writes "a b"; newer versions write ["a", "b"].
            if (merge.ValueKind == JsonValueKind.String)
            {
                result.Add(SplitMergeLine(path, merge.GetString()!, $"model.merges[{index}]"));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                     && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                result.Add((merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw new TokenizerFileException(path, $"model.merges[{index}] = {merge.GetRawText()} is neither \"left right\" nor [\"left\", \"right\"]");
            }
            index++;
        }
        return result;
    }

    /// <summary>Splits a merges.txt-style "left right" line.</summary>
    internal static (string, string) SplitMergeLine(string path, string line, string where)
    {
        var space = line.IndexOf(' ');
        if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
        {
            throw new TokenizerFileException(path, $"{where} = \"{line}\" must be two tokens separated by one space");
        }
        return (line[..space], line[(space + 1)..]);
    }

    private static List<AddedToken> ReadAddedTokens(string path, JsonElement added)
    {
        var result = new List<AddedToken>();
        var index = 0;
        foreach (var token in added.EnumerateArray())
        {
            var where = $"added_tokens[{index}]";
            if (token.ValueKind != JsonValueKind.Object
                || !token.TryGetProperty("id", out var id) || !id.TryGetInt32(out var idValue) || idValue < 0
                || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            {
                throw new TokenizerFileException(path, $"{where} = {Shorten(token.GetRawText())} needs a non-negative integer \"id\" and a string \"content\"");
            }
            result.Add(new AddedToken(idValue, content.GetString()!, Flag(token, "special"))
            {
                LeftStrip = Flag(token, "lstrip"),
                RightStrip = Flag(token, "rstrip"),
                SingleWord = Flag(token, "single_word"),
                Normalized = Flag(token, "normalized"),
            });
            index++;
        }
        return result;
    }

    internal static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>Checks the BPE model; returns its ignore_merges flag (Llama 3: true).</summary>
    private static bool CheckModel(string path, JsonElement model)
    {
        var type = OptionalString(model, "type");
        if (type is not null and not "BPE")
        {
            throw new TokenizerFileException(path, $"model.type is \"{type}\"; only byte-level BPE (Qwen2/2.5/3) tokenizers are supported");
        }
        if (Flag(model, "byte_fallback"))
        {
            throw new TokenizerFileException(path, "model.byte_fallback is true; Qwen2 byte-level BPE never uses byte fallback");
        }
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() != 0)
        {
            throw new TokenizerFileException(path, $"model.dropout is {dropout.GetRawText()}; BPE dropout is a training-time option, set it to null");
        }
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            var value = OptionalString(model, affix);
            if (!string.IsNullOrEmpty(value))
            {
                throw new TokenizerFileException(path, $"model.{affix} is \"{value}\"; Qwen2 byte-level BPE has none");
            }
        }
        return Flag(model, "ignore_merges");
    }

    /// <summary>True for the NFC normalizer (Qwen), false for none (null or absent: Llama 3); anything else is refused.</summary>
    private static bool CheckNormalizer(string path, JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        if (normalizer.ValueKind != JsonValueKind.Object || OptionalString(normalizer, "type") != "NFC")
        {
            throw new TokenizerFileException(path, $"normalizer is {Shorten(normalizer.GetRawText())}; only {{\"type\": \"NFC\"}} (Qwen) or none (Llama 3) is implemented");
        }
        return true;
    }

    /// <summary>Checks the split + ByteLevel pre-tokenizer; returns the longest digit run (1 Qwen2, 3 Llama 3).</summary>
    private static int CheckPreTokenizer(string path, JsonElement root)
    {
        var expected = $"{{\"type\": \"Sequence\", \"pretokenizers\": [{{\"type\": \"Split\", \"pattern\": {{\"Regex\": <the Qwen2 pattern>}}, \"behavior\": \"Isolated\"}}, {{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}}]}}";
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object
            || OptionalString(pre, "type") != "Sequence"
            || !pre.TryGetProperty("pretokenizers", out var steps) || steps.ValueKind != JsonValueKind.Array || steps.GetArrayLength() != 2)
        {
            throw new TokenizerFileException(path, $"pre_tokenizer is {Describe(root, "pre_tokenizer")}; expected {expected}");
        }
        var split = steps[0];
        var regex = split.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
            ? OptionalString(pattern, "Regex")
            : null;
        if (OptionalString(split, "type") != "Split" || regex is not (Qwen2PreTokenizer.Pattern or Qwen2PreTokenizer.Llama3Pattern)
            || OptionalString(split, "behavior") != "Isolated" || Flag(split, "invert"))
        {
            throw new TokenizerFileException(path,
                $"pre_tokenizer.pretokenizers[0] is {Shorten(split.GetRawText())}; only the Qwen2 split {Qwen2PreTokenizer.Pattern} or Llama 3's (digits as \\p{{N}}{{1,3}}), behavior Isolated, is implemented");
        }
        var byteLevel = steps[1];
        if (OptionalString(byteLevel, "type") != "ByteLevel" || Flag(byteLevel, "add_prefix_space") || Flag(byteLevel, "use_regex"))
        {
            throw new TokenizerFileException(path, $"pre_tokenizer.pretokenizers[1] is {Shorten(byteLevel.GetRawText())}; expected ByteLevel with add_prefix_space false and use_regex false");
        }
        return regex == Qwen2PreTokenizer.Llama3Pattern ? 3 : 1;
    }

    private static void CheckDecoder(string path, JsonElement root)
    {
        if (root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
            && OptionalString(decoder, "type") is { } type && type != "ByteLevel")
        {
            throw new TokenizerFileException(path, $"decoder.type is \"{type}\"; byte-level BPE needs the ByteLevel decoder");
        }
    }

    private static JsonElement Required(string path, JsonElement parent, string name, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != kind)
        {
            throw new TokenizerFileException(path, $"\"{name}\" is missing or not a JSON {kind.ToString().ToLowerInvariant()}");
        }
        return value;
    }

    internal static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Describe(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? Shorten(value.GetRawText()) : "missing";

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
