using System.Text.Encodings.Web;
using System.Text.Json;
using ToolRL.Torch.IO;

namespace ToolRL.Tokenization;

/// <summary>
/// Writes a tokenizer in the Hugging Face layout: <c>tokenizer.json</c> (the Qwen2 pipeline, vocab, merges
/// as "left right" strings, which every <c>tokenizers</c> version reads) and <c>tokenizer_config.json</c>.
/// </summary>
internal static class TokenizerWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Keep byte-level symbols and template text readable instead of \uXXXX-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = true,
    };

    /// <summary>Writes both files into <paramref name="dir"/> (created if needed).</summary>
    public static void Write(TokenizerDefinition definition, string dir, string eosToken, string? padToken)
    {
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, "tokenizer.json"), writer => WriteTokenizerJson(writer, definition));
        WriteAtomically(Path.Combine(dir, "tokenizer_config.json"), writer => WriteConfig(writer, definition, eosToken, padToken));
    }

    /// <summary>All-or-nothing, so that a crash never leaves a half-written tokenizer behind.</summary>
    private static void WriteAtomically(string path, Action<Utf8JsonWriter> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, Options);
            write(writer);
        });

    private static void WriteTokenizerJson(Utf8JsonWriter w, TokenizerDefinition definition)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var token in definition.AddedTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", token.Id);
            w.WriteString("content", token.Content);
            WriteFlags(w, Flags(token));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (definition.NfcNormalize)
        {
            w.WriteStartObject("normalizer");
            w.WriteString("type", "NFC");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("normalizer");                                    // Llama 3
        }
        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", Qwen2PreTokenizer.PatternFor(definition.MaxDigitRun));
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        WriteByteLevel(w, null);
        w.WriteEndArray();
        w.WriteEndObject();
        WriteByteLevel(w, "post_processor");
        WriteByteLevel(w, "decoder");
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", definition.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in definition.Vocab.OrderBy(pair => pair.Value))
        {
            w.WriteNumber(token, id);
        }
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in definition.Merges)
        {
            w.WriteStringValue(left + " " + right);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    /// <summary>An added token's flags in the order the tokenizers library writes them to tokenizer.json.</summary>
    private static (string Name, bool Value)[] Flags(AddedToken token) =>
    [
        ("single_word", token.SingleWord), ("lstrip", token.LeftStrip), ("rstrip", token.RightStrip),
        ("normalized", token.Normalized), ("special", token.Special),
    ];

    private static void WriteFlags(Utf8JsonWriter w, IEnumerable<(string Name, bool Value)> flags)
    {
        foreach (var (name, value) in flags)
        {
            w.WriteBoolean(name, value);
        }
    }

    private static void WriteConfig(Utf8JsonWriter w, TokenizerDefinition definition, string eosToken, string? padToken)
    {
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", false);
        w.WriteBoolean("add_prefix_space", false);
        w.WriteStartObject("added_tokens_decoder");
        foreach (var token in definition.AddedTokens)
        {
            w.WriteStartObject(token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("content", token.Content);
            // transformers writes tokenizer_config.json with sorted keys.
            WriteFlags(w, Flags(token).OrderBy(f => f.Name, StringComparer.Ordinal));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("additional_special_tokens");
        foreach (var token in definition.AddedTokens.Where(t => t.Special && t.Content != padToken))
        {
            w.WriteStringValue(token.Content);
        }
        w.WriteEndArray();
        w.WriteNull("bos_token");
        w.WriteString("chat_template", definition.ChatTemplate ?? Qwen25ChatTemplate.JinjaSource);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteString("eos_token", eosToken);
        w.WriteString("errors", "replace");
        w.WriteNumber("model_max_length", definition.ModelMaxLength ?? 131072);
        if (padToken is null)
        {
            w.WriteNull("pad_token");
        }
        else
        {
            w.WriteString("pad_token", padToken);
        }
        w.WriteBoolean("split_special_tokens", false);
        w.WriteString("tokenizer_class", "Qwen2Tokenizer");
        w.WriteNull("unk_token");
        w.WriteEndObject();
    }
}
