using System.Text.Json;

namespace ToolRL.Tokenization;

/// <summary>
/// Reads a Hugging Face model folder: <c>tokenizer.json</c> when present, otherwise the "slow" files
/// <c>vocab.json</c> + <c>merges.txt</c> with added tokens from <c>tokenizer_config.json</c>
/// (<c>added_tokens_decoder</c>) or <c>added_tokens.json</c>; <c>tokenizer_config.json</c> also supplies
/// eos/pad tokens and the chat template.
/// </summary>
internal static class TokenizerFolderReader
{
    /// <summary>Reads the folder <paramref name="dir"/>.</summary>
    public static TokenizerDefinition Read(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new TokenizerFileException(dir, "directory not found; pass a Hugging Face model folder (tokenizer.json, or vocab.json + merges.txt)");
        }
        var configPath = Path.Combine(dir, "tokenizer_config.json");
        using var config = File.Exists(configPath) ? ParseJson(configPath) : null;
        var tokenizerJson = Path.Combine(dir, "tokenizer.json");
        TokenizerDefinition definition;
        if (File.Exists(tokenizerJson))
        {
            definition = TokenizerJsonReader.Read(tokenizerJson);
        }
        else if (File.Exists(Path.Combine(dir, "vocab.json")) && File.Exists(Path.Combine(dir, "merges.txt")))
        {
            definition = ReadSlowFiles(dir, config?.RootElement, configPath);
        }
        else
        {
            throw new TokenizerFileException(dir, "holds neither tokenizer.json nor vocab.json + merges.txt");
        }
        return config is null ? definition : WithConfig(definition, config.RootElement, configPath);
    }

    private static TokenizerDefinition WithConfig(TokenizerDefinition definition, JsonElement config, string path)
    {
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFileException(path, "the top level must be a JSON object");
        }
        return definition with
        {
            EosToken = TokenContent(config, "eos_token") ?? definition.EosToken,
            PadToken = TokenContent(config, "pad_token") ?? definition.PadToken,
            ChatTemplate = ChatTemplate(config) ?? definition.ChatTemplate,
            ModelMaxLength = config.TryGetProperty("model_max_length", out var max) && max.TryGetInt64(out var value) ? value : definition.ModelMaxLength,
        };
    }

    private static TokenizerDefinition ReadSlowFiles(string dir, JsonElement? config, string configPath)
    {
        var vocabPath = Path.Combine(dir, "vocab.json");
        using var vocabDocument = ParseJson(vocabPath);
        if (vocabDocument.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFileException(vocabPath, "must be a JSON object {\"token\": id}");
        }
        var vocab = TokenizerJsonReader.ReadVocab(vocabPath, vocabDocument.RootElement, "vocab.json");
        var merges = ReadMergesTxt(Path.Combine(dir, "merges.txt"));
        var added = config is { } c && c.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
            ? ReadAddedTokensDecoder(configPath, decoder)
            : ReadAddedTokensJson(dir, config);
        return new TokenizerDefinition(vocab, merges, added);
    }

    /// <summary>merges.txt: an optional "#version" line, then one "left right" pair per line (CRLF tolerated).</summary>
    private static List<(string, string)> ReadMergesTxt(string path)
    {
        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }
            merges.Add(TokenizerJsonReader.SplitMergeLine(path, line, $"line {lineNumber}"));
        }
        return merges;
    }

    private static List<AddedToken> ReadAddedTokensDecoder(string path, JsonElement decoder)
    {
        var tokens = new List<AddedToken>();
        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out var id) || id < 0 || entry.Value.ValueKind != JsonValueKind.Object
                || TokenizerJsonReader.OptionalString(entry.Value, "content") is not { } content)
            {
                throw new TokenizerFileException(path, $"added_tokens_decoder[\"{entry.Name}\"] needs an integer id key and a string \"content\"");
            }
            tokens.Add(new AddedToken(id, content, TokenizerJsonReader.Flag(entry.Value, "special"))
            {
                LeftStrip = TokenizerJsonReader.Flag(entry.Value, "lstrip"),
                RightStrip = TokenizerJsonReader.Flag(entry.Value, "rstrip"),
                SingleWord = TokenizerJsonReader.Flag(entry.Value, "single_word"),
                Normalized = TokenizerJsonReader.Flag(entry.Value, "normalized"),
            });
        }
        return tokens;
    }

    /// <summary>
    /// added_tokens.json has no flags: a token counts as special when tokenizer_config.json or
    /// special_tokens_map.json names it (eos/pad/bos/unk or additional_special_tokens).
    /// </summary>
    private static List<AddedToken> ReadAddedTokensJson(string dir, JsonElement? config)
    {
        var path = Path.Combine(dir, "added_tokens.json");
        if (!File.Exists(path))
        {
            return [];
        }
        var special = new HashSet<string>(StringComparer.Ordinal);
        CollectSpecialNames(config, special);
        var mapPath = Path.Combine(dir, "special_tokens_map.json");
        if (File.Exists(mapPath))
        {
            using var map = ParseJson(mapPath);
            CollectSpecialNames(map.RootElement, special);
        }
        using var document = ParseJson(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFileException(path, "must be a JSON object {\"token\": id}");
        }
        return TokenizerJsonReader.ReadVocab(path, document.RootElement, "added_tokens.json")
            .Select(pair => new AddedToken(pair.Value, pair.Key, special.Contains(pair.Key)))
            .ToList();
    }

    private static void CollectSpecialNames(JsonElement? element, HashSet<string> names)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e)
        {
            return;
        }
        foreach (var key in new[] { "eos_token", "pad_token", "bos_token", "unk_token" })
        {
            if (TokenContent(e, key) is { } name)
            {
                names.Add(name);
            }
        }
        if (e.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in extra.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    names.Add(item.GetString()!);
                }
                else if (item.ValueKind == JsonValueKind.Object && TokenizerJsonReader.OptionalString(item, "content") is { } content)
                {
                    names.Add(content);
                }
            }
        }
    }

    /// <summary>A token field that is either a string or an AddedToken object {"content": …}.</summary>
    private static string? TokenContent(JsonElement config, string name)
    {
        if (!config.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => TokenizerJsonReader.OptionalString(value, "content"),
            _ => null,
        };
    }

    /// <summary>chat_template is a string, or a list of {name, template} where "default" is the one used.</summary>
    private static string? ChatTemplate(JsonElement config)
    {
        if (!config.TryGetProperty("chat_template", out var template))
        {
            return null;
        }
        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }
        if (template.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in template.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && TokenizerJsonReader.OptionalString(item, "name") == "default")
                {
                    return TokenizerJsonReader.OptionalString(item, "template");
                }
            }
        }
        return null;
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerFileException(path, $"not valid JSON ({e.Message}); the file is corrupt or truncated", e);
        }
    }
}
