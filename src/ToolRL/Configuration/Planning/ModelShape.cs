using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Configuration.Planning;

/// <summary>
/// The dimensions of a Qwen2-architecture model that decide its size, read from a config.json or a tiny spec,
/// never from weights. Parameter counts follow the Qwen2 layout: embeddings, per layer q/k/v (with bias) and o
/// projections, a SwiGLU MLP (gate, up, down) and two RMSNorms, a final norm, and an lm_head unless tied.
/// </summary>
/// <param name="VocabSize">vocab_size.</param>
/// <param name="HiddenSize">hidden_size.</param>
/// <param name="NumHiddenLayers">num_hidden_layers.</param>
/// <param name="NumAttentionHeads">num_attention_heads.</param>
/// <param name="NumKeyValueHeads">num_key_value_heads.</param>
/// <param name="IntermediateSize">intermediate_size.</param>
/// <param name="TieWordEmbeddings">tie_word_embeddings.</param>
public sealed record ModelShape(long VocabSize, long HiddenSize, long NumHiddenLayers, long NumAttentionHeads, long NumKeyValueHeads,
    long IntermediateSize, bool TieWordEmbeddings)
{
    /// <summary>Per-head dimension.</summary>
    public long HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Parameters of one decoder layer.</summary>
    public long ParametersPerLayer
    {
        get
        {
            var kvWidth = NumKeyValueHeads * HeadDim;
            var attention = (HiddenSize * HiddenSize + HiddenSize) + 2 * (HiddenSize * kvWidth + kvWidth) + HiddenSize * HiddenSize;
            var mlp = 3 * HiddenSize * IntermediateSize;
            return attention + mlp + 2 * HiddenSize;
        }
    }

    /// <summary>Parameters of the transformer trunk (embeddings, layers, final norm), without the lm_head.</summary>
    public long TrunkParameters => VocabSize * HiddenSize + NumHiddenLayers * ParametersPerLayer + HiddenSize;

    /// <summary>All parameters of the causal LM (trunk + untied lm_head).</summary>
    public long Parameters => TrunkParameters + (TieWordEmbeddings ? 0 : VocabSize * HiddenSize);

    /// <summary>Parameters of a critic: the trunk plus a Linear(hidden, 1) value head.</summary>
    public long CriticParameters => TrunkParameters + HiddenSize + 1;

    /// <summary>Reads the size-deciding fields of a Hugging Face config.json (other fields are ignored).</summary>
    /// <exception cref="ConfigurationException">The file is missing fields or is not JSON.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static ModelShape FromConfigJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Model config {path} not found. Fix: point model.base_model (or --base-model) at the folder of a downloaded model, which holds config.json.", path);
        }
        var errors = new ConfigErrorList();
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new ConfigurationException(path, [new ConfigError("$", null, $"not valid JSON ({e.Message})", "use the model's original config.json")]);
        }
        if (root is null)
        {
            throw new ConfigurationException(path, [new ConfigError("$", null, "not a JSON object", "use the model's original config.json")]);
        }
        long Field(string key)
        {
            if (root[key] is JsonValue value && value.TryGetValue<long>(out var number) && number > 0)
            {
                return number;
            }
            errors.Add("$." + key, root[key]?.ToJsonString(), "missing or not a positive whole number", "use the model's original config.json (Qwen2 architecture)");
            return 1;
        }
        var hidden = Field("hidden_size");
        var heads = Field("num_attention_heads");
        var shape = new ModelShape(Field("vocab_size"), hidden, Field("num_hidden_layers"), heads,
            root.ContainsKey("num_key_value_heads") ? Field("num_key_value_heads") : heads, Field("intermediate_size"),
            root["tie_word_embeddings"] is JsonValue tie && tie.TryGetValue<bool>(out var tied) && tied);
        errors.ThrowIfAny(path);
        return shape;
    }

    /// <summary>The shape of a tiny spec with the given vocabulary size.</summary>
    public static ModelShape FromTiny(TinyModelSpec tiny, long vocabSize) =>
        new(tiny.VocabSize ?? vocabSize, tiny.HiddenSize, tiny.NumHiddenLayers, tiny.NumAttentionHeads, tiny.NumKeyValueHeads,
            tiny.IntermediateSize, tiny.TieWordEmbeddings);
}
