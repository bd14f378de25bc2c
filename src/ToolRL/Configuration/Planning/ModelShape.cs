using ToolRL.Models;

namespace ToolRL.Configuration.Planning;

/// <summary>
/// The dimensions of a Qwen2-family model (Qwen2, Qwen3, Llama 3.x) that decide its size, read from a config.json or a
/// tiny spec, never from weights. Parameter counts follow the layout: embeddings, per layer q/k/v and o projections
/// (biases as the architecture has them; Qwen3's per-head q/k norms), a SwiGLU MLP (gate, up, down) and two RMSNorms,
/// a final norm, and an lm_head unless tied.
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
    /// <summary>config.json <c>head_dim</c> when it is given (otherwise hidden_size / num_attention_heads).</summary>
    public long? ExplicitHeadDim { get; init; }

    /// <summary>Per-head dimension.</summary>
    public long HeadDim => ExplicitHeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>The decoder architecture (config.json model_type); it decides biases and norms.</summary>
    public ModelArchitecture Architecture { get; init; } = ModelArchitecture.Qwen2;

    /// <summary>Qwen3 / Llama <c>attention_bias</c> (biases on q, k, v and o).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Llama <c>mlp_bias</c> (biases on gate, up and down).</summary>
    public bool MlpBias { get; init; }

    /// <summary>Parameters of one decoder layer.</summary>
    public long ParametersPerLayer
    {
        get
        {
            var kvWidth = NumKeyValueHeads * HeadDim;
            var queryWidth = NumAttentionHeads * HeadDim;
            var qkvBias = Architecture == ModelArchitecture.Qwen2 || AttentionBias;
            var attention = HiddenSize * queryWidth + 2 * HiddenSize * kvWidth + queryWidth * HiddenSize
                + (qkvBias ? queryWidth + 2 * kvWidth : 0)
                + (Architecture != ModelArchitecture.Qwen2 && AttentionBias ? HiddenSize : 0)
                + (Architecture == ModelArchitecture.Qwen3 ? 2 * HeadDim : 0);             // q_norm, k_norm
            var mlp = 3 * HiddenSize * IntermediateSize + (MlpBias ? 2 * IntermediateSize + HiddenSize : 0);
            return attention + mlp + 2 * HiddenSize;
        }
    }

    /// <summary>Parameters of the transformer trunk (embeddings, layers, final norm), without the lm_head.</summary>
    public long TrunkParameters => VocabSize * HiddenSize + NumHiddenLayers * ParametersPerLayer + HiddenSize;

    /// <summary>All parameters of the causal LM (trunk + untied lm_head).</summary>
    public long Parameters => TrunkParameters + (TieWordEmbeddings ? 0 : VocabSize * HiddenSize);

    /// <summary>Parameters of a critic: the trunk plus a Linear(hidden, 1) value head.</summary>
    public long CriticParameters => TrunkParameters + HiddenSize + 1;

    /// <summary>
    /// Parameters of LoRA adapters on this model: r · (in + out) for each targeted linear layer of every decoder layer
    /// (q, k, v, o in the attention, gate, up, down in the MLP; never the embeddings or lm_head).
    /// </summary>
    public long LoraParameters(LoraConfig lora)
    {
        ArgumentNullException.ThrowIfNull(lora);
        var kvWidth = NumKeyValueHeads * HeadDim;
        var queryWidth = NumAttentionHeads * HeadDim;
        var shapes = new Dictionary<string, (long In, long Out)>
        {
            ["q_proj"] = (HiddenSize, queryWidth), ["k_proj"] = (HiddenSize, kvWidth), ["v_proj"] = (HiddenSize, kvWidth), ["o_proj"] = (queryWidth, HiddenSize),
            ["gate_proj"] = (HiddenSize, IntermediateSize), ["up_proj"] = (HiddenSize, IntermediateSize), ["down_proj"] = (IntermediateSize, HiddenSize),
        };
        return NumHiddenLayers * lora.TargetModules.Sum(m => lora.R * (shapes[m].In + shapes[m].Out));
    }

    /// <summary>Reads a Hugging Face config.json through <see cref="Qwen2Config"/> (the model area's reader and validation).</summary>
    /// <exception cref="ConfigurationException">The file is not a valid Qwen2 config (the message names the field and the fix).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static ModelShape FromConfigJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Model config {path} not found. Fix: point model.base_model (or --base-model) at the folder of a downloaded model, which holds config.json.", path);
        }
        try
        {
            return FromQwen2Config(Qwen2Config.FromFile(path));
        }
        catch (ModelConfigException e)
        {
            throw new ConfigurationException(path, [new ConfigError("$", null, e.Message, "use the model's original config.json (a Qwen2/Qwen2.5, Qwen3 or Llama 3.x model)")]);
        }
    }

    /// <summary>The shape of a parsed model config.</summary>
    public static ModelShape FromQwen2Config(Qwen2Config config) =>
        new(config.VocabSize, config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads,
            config.IntermediateSize, config.TieWordEmbeddings)
        {
            ExplicitHeadDim = config.ExplicitHeadDim,
            Architecture = config.Architecture,
            AttentionBias = config.AttentionBias,
            MlpBias = config.MlpBias,
        };

    /// <summary>The shape of a tiny spec with the given vocabulary size.</summary>
    public static ModelShape FromTiny(TinyModelSpec tiny, long vocabSize) =>
        new(tiny.VocabSize ?? vocabSize, tiny.HiddenSize, tiny.NumHiddenLayers, tiny.NumAttentionHeads, tiny.NumKeyValueHeads,
            tiny.IntermediateSize, tiny.TieWordEmbeddings);
}
