using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Models;

/// <summary>
/// The architecture of a Qwen2-family decoder, read from a Hugging Face <c>config.json</c>: Qwen2 / Qwen2.5
/// (<c>model_type: "qwen2"</c>), Qwen3 (<c>"qwen3"</c>) or Llama 3.x (<c>"llama"</c>), told apart by
/// <see cref="Architecture"/>. Every size comes from here; absent keys take the defaults of transformers'
/// <c>Qwen2Config</c> / <c>Qwen3Config</c> / <c>LlamaConfig</c>, unknown keys are tolerated and written back unchanged on
/// save. Invalid values are refused by <see cref="Validate"/> with the field, the value and the fix.
/// </summary>
public sealed record Qwen2Config
{
    /// <summary>Which decoder of the family (config.json <c>model_type</c>; a file without one is read as Qwen2).</summary>
    public ModelArchitecture Architecture { get; init; } = ModelArchitecture.Qwen2;

    /// <summary>
    /// Qwen3 and Llama: biases on q, k, v and o (<c>attention_bias</c>, false in every published checkpoint). Qwen2 ignores
    /// it: its q, k and v always have biases and o never does.
    /// </summary>
    public bool AttentionBias { get; init; }

    /// <summary>Llama: biases on gate, up and down (<c>mlp_bias</c>, false in every published checkpoint).</summary>
    public bool MlpBias { get; init; }

    /// <summary>Llama 3.x <c>rope_scaling</c> of type <c>llama3</c>, or null for plain RoPE.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }

    /// <summary>True when q, k and v carry biases (always for Qwen2; <see cref="AttentionBias"/> for the others).</summary>
    internal bool QkvBias => Architecture == ModelArchitecture.Qwen2 || AttentionBias;

    /// <summary>True when o_proj carries a bias (<see cref="AttentionBias"/>, never for Qwen2).</summary>
    internal bool OutputProjectionBias => Architecture != ModelArchitecture.Qwen2 && AttentionBias;

    /// <summary>True when each head's queries and keys pass an RMSNorm (<c>q_norm</c>, <c>k_norm</c>) before rotary: Qwen3.</summary>
    internal bool QueryKeyNorm => Architecture == ModelArchitecture.Qwen3;

    /// <summary>Rows of the embedding and of <c>lm_head</c> (151,936 for Qwen2.5 up to 3B, 152,064 for 7B).</summary>
    public long VocabSize { get; init; } = 151936;

    /// <summary>Model width H.</summary>
    public long HiddenSize { get; init; } = 4096;

    /// <summary>Width of the SwiGLU MLP.</summary>
    public long IntermediateSize { get; init; } = 22016;

    /// <summary>Number of decoder layers.</summary>
    public long NumHiddenLayers { get; init; } = 32;

    /// <summary>Number of query heads.</summary>
    public long NumAttentionHeads { get; init; } = 32;

    /// <summary>Number of key/value heads (grouped-query attention); must divide <see cref="NumAttentionHeads"/>.</summary>
    public long NumKeyValueHeads { get; init; } = 32;

    /// <summary>Explicit <c>head_dim</c> when the config has one; otherwise <c>hidden_size / num_attention_heads</c>.</summary>
    public long? ExplicitHeadDim { get; init; }

    /// <summary>Width of one attention head (transformers: <c>config.head_dim or hidden_size // num_attention_heads</c>).</summary>
    public long HeadDim => ExplicitHeadDim ?? (NumAttentionHeads > 0 ? HiddenSize / NumAttentionHeads : 0);

    /// <summary>The MLP activation; only <c>silu</c> is implemented (all Qwen2/Qwen2.5 checkpoints use it).</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Longest context the model was trained for (not enforced beyond a warning-free limit check).</summary>
    public long MaxPositionEmbeddings { get; init; } = 32768;

    /// <summary>Standard deviation of the normal initialisation of fresh weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>RMSNorm epsilon.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RoPE base θ (1e6 for every Qwen2.5 model; transformers' class default is 1e4).</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>True when <c>lm_head</c> shares <c>embed_tokens.weight</c> (0.5B/1.5B/3B); false for 7B.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Sliding-window attention switch; every Qwen2.5 config has false (the only supported value).</summary>
    public bool UseSlidingWindow { get; init; }

    /// <summary>Inert unless <see cref="UseSlidingWindow"/>; kept for round-tripping.</summary>
    public long SlidingWindow { get; init; } = 4096;

    /// <summary>Inert unless <see cref="UseSlidingWindow"/>; kept for round-tripping.</summary>
    public long MaxWindowLayers { get; init; } = 28;

    /// <summary>Attention dropout probability (not applied: RL fine-tuning runs without dropout).</summary>
    public double AttentionDropout { get; init; }

    /// <summary>Beginning-of-sequence id, if any (Qwen2.5 never prepends it).</summary>
    public long? BosTokenId { get; init; }

    /// <summary>End-of-sequence ids from config.json (one int or a list in the file).</summary>
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];

    /// <summary>Padding id, if any (absent from Qwen2.5 config.json).</summary>
    public long? PadTokenId { get; init; }

    /// <summary>The stored dtype name (<c>torch_dtype</c>, or <c>dtype</c> in newer transformers), e.g. "bfloat16".</summary>
    public string? TorchDtype { get; init; }

    /// <summary>
    /// The whole original JSON object (null for configs built in code). Unknown keys are written back from it
    /// so that a saved checkpoint keeps everything transformers, vLLM or SGLang may read.
    /// </summary>
    public string? OriginalJson { get; init; }

    /// <summary>Number of query heads that share one key/value head.</summary>
    public long GroupSize => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Reads and validates <c>DIR/config.json</c>.</summary>
    public static Qwen2Config FromDirectory(string directory) => FromFile(Path.Combine(directory, "config.json"));

    /// <summary>Reads and validates a config file; a missing file is an error naming the path.</summary>
    public static Qwen2Config FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelConfigException($"{path}: file not found; fix: point --model at a Hugging Face model folder that contains config.json.");
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates config JSON; <paramref name="source"/> names it in error messages.</summary>
    public static Qwen2Config Parse(string json, string source = "config.json")
    {
        var f = JsonFields.Parse(json, source);
        var modelType = f.GetString("model_type");
        var architecture = modelType is null ? ModelArchitecture.Qwen2 : ModelArchitectures.FromModelType(modelType)
            ?? throw f.Error("model_type", $"\"{modelType}\"", "is not an architecture this library implements",
                "use a Qwen2/Qwen2.5 (\"qwen2\"), Qwen3 dense (\"qwen3\") or Llama 3.x (\"llama\") checkpoint");
        var llama = architecture == ModelArchitecture.Llama;
        var heads = f.GetLong("num_attention_heads", 32);
        var config = new Qwen2Config
        {
            Architecture = architecture,
            AttentionBias = f.GetBool("attention_bias", false),
            MlpBias = llama && f.GetBool("mlp_bias", false),
            VocabSize = f.GetLong("vocab_size", llama ? 32000 : 151936),
            HiddenSize = f.GetLong("hidden_size", 4096),
            IntermediateSize = f.GetLong("intermediate_size", llama ? 11008 : 22016),
            NumHiddenLayers = f.GetLong("num_hidden_layers", 32),
            NumAttentionHeads = heads,
            // transformers: "if num_key_value_heads is None: num_key_value_heads = num_attention_heads".
            NumKeyValueHeads = f.GetLong("num_key_value_heads", heads),
            // Qwen3Config's head_dim defaults to 128; Qwen2Config and LlamaConfig fall back to hidden / heads.
            ExplicitHeadDim = f.GetLongOrNull("head_dim") ?? (architecture == ModelArchitecture.Qwen3 ? 128 : null),
            HiddenAct = f.GetString("hidden_act") ?? "silu",
            MaxPositionEmbeddings = f.GetLong("max_position_embeddings", llama ? 2048 : 32768),
            InitializerRange = f.GetDouble("initializer_range", 0.02),
            RmsNormEps = f.GetDouble("rms_norm_eps", 1e-6),
            RopeTheta = f.GetDouble("rope_theta", 10000.0),
            TieWordEmbeddings = f.GetBool("tie_word_embeddings", false),
            UseSlidingWindow = f.GetBool("use_sliding_window", false),
            SlidingWindow = f.Has("sliding_window") ? f.GetLong("sliding_window", 4096) : 4096,
            MaxWindowLayers = f.GetLong("max_window_layers", 28),
            AttentionDropout = f.GetDouble("attention_dropout", 0.0),
            BosTokenId = f.GetLongOrNull("bos_token_id"),
            EosTokenIds = f.GetIdList("eos_token_id"),
            PadTokenId = f.GetLongOrNull("pad_token_id"),
            TorchDtype = f.GetString("torch_dtype") ?? f.GetString("dtype"),
            OriginalJson = json,
        };
        config = config with { RopeScaling = ParseRopeScaling(f, architecture) };
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// <c>rope_scaling</c>: absent or "default" is plain RoPE; Llama accepts type "llama3" with its four numbers. Other
    /// types (linear, dynamic, yarn, longrope) are refused rather than run with the wrong positions.
    /// </summary>
    private static Llama3RopeScaling? ParseRopeScaling(JsonFields f, ModelArchitecture architecture)
    {
        if (f.Raw("rope_scaling") is not JsonObject scaling)
        {
            return null;
        }
        var type = (scaling["rope_type"] ?? scaling["type"])?.ToString();
        if (type is null or "default")
        {
            return null;
        }
        if (type != "llama3" || architecture != ModelArchitecture.Llama)
        {
            throw f.Error("rope_scaling", scaling.ToJsonString(), "asks for a RoPE scaling this library does not implement",
                architecture == ModelArchitecture.Llama
                    ? "use rope_type \"llama3\" as Llama 3.1/3.2 ship it, or remove rope_scaling"
                    : "remove rope_scaling (Qwen2.5 and Qwen3 ship without it; it is only needed beyond their native context)");
        }
        var numbers = new JsonFields(scaling, f.Source + " rope_scaling");
        foreach (var key in new[] { "factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings" })
        {
            if (!numbers.Has(key))
            {
                throw f.Error("rope_scaling", scaling.ToJsonString(), $"has rope_type \"llama3\" but no '{key}'",
                    "copy rope_scaling from the model's original config.json (factor, low_freq_factor, high_freq_factor, original_max_position_embeddings)");
            }
        }
        return new Llama3RopeScaling(numbers.GetDouble("factor", 8), numbers.GetDouble("low_freq_factor", 1), numbers.GetDouble("high_freq_factor", 4),
            numbers.GetLong("original_max_position_embeddings", 8192));
    }

    /// <summary>
    /// Refuses values the model cannot run with. <paramref name="source"/> names the origin in messages.
    /// </summary>
    public void Validate(string source = "config")
    {
        ModelConfigException Bad(string field, object value, string requirement, string fix) =>
            new($"{source}: field '{field}' = {value} {requirement}; fix: {fix}.");

        RequirePositive(VocabSize, "vocab_size");
        RequirePositive(HiddenSize, "hidden_size");
        RequirePositive(IntermediateSize, "intermediate_size");
        RequirePositive(NumHiddenLayers, "num_hidden_layers");
        RequirePositive(NumAttentionHeads, "num_attention_heads");
        RequirePositive(NumKeyValueHeads, "num_key_value_heads");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw Bad("num_key_value_heads", NumKeyValueHeads, $"does not divide num_attention_heads = {NumAttentionHeads}",
                "use a divisor of num_attention_heads (grouped-query attention shares each KV head among a whole group)");
        }
        if (ExplicitHeadDim is { } hd)
        {
            RequirePositive(hd, "head_dim");
        }
        else if (HiddenSize % NumAttentionHeads != 0)
        {
            throw Bad("hidden_size", HiddenSize, $"is not a multiple of num_attention_heads = {NumAttentionHeads}",
                "make hidden_size divisible by the head count or give head_dim explicitly");
        }
        if (HeadDim % 2 != 0)
        {
            throw Bad(ExplicitHeadDim is null ? "hidden_size" : "head_dim", ExplicitHeadDim ?? HiddenSize,
                $"gives an odd head_dim {HeadDim}", "use an even head_dim (RoPE rotates halves of each head)");
        }
        if (HiddenAct != "silu")
        {
            throw Bad("hidden_act", $"\"{HiddenAct}\"", "is not supported", "use \"silu\" (the activation of Qwen2, Qwen3 and Llama)");
        }
        if (RopeScaling is { } rs)
        {
            if (Architecture != ModelArchitecture.Llama)
            {
                throw Bad("rope_scaling", "llama3", $"is only defined for Llama, not {Architecture.ModelType()}", "remove rope_scaling");
            }
            if (!(rs.Factor >= 1) || double.IsInfinity(rs.Factor))
            {
                throw Bad("rope_scaling.factor", JsonFields.Num(rs.Factor), "must be a number ≥ 1", "use the model's original value (8 for Llama 3.1, 32 for 3.2)");
            }
            if (!(rs.LowFreqFactor > 0) || !(rs.HighFreqFactor > rs.LowFreqFactor) || double.IsInfinity(rs.HighFreqFactor))
            {
                throw Bad("rope_scaling.high_freq_factor", JsonFields.Num(rs.HighFreqFactor), $"must exceed low_freq_factor = {JsonFields.Num(rs.LowFreqFactor)} > 0",
                    "use the model's original values (low 1, high 4)");
            }
            if (rs.OriginalMaxPositionEmbeddings <= 0)
            {
                throw Bad("rope_scaling.original_max_position_embeddings", rs.OriginalMaxPositionEmbeddings, "must be a positive integer", "use 8192 as Llama 3.x does");
            }
        }
        RequirePositive(MaxPositionEmbeddings, "max_position_embeddings");
        if (!(RmsNormEps > 0) || double.IsInfinity(RmsNormEps))
        {
            throw Bad("rms_norm_eps", JsonFields.Num(RmsNormEps), "must be a positive number", "use 1e-06 as Qwen2.5 does");
        }
        if (!(RopeTheta > 0) || double.IsInfinity(RopeTheta))
        {
            throw Bad("rope_theta", JsonFields.Num(RopeTheta), "must be a positive number", "use 1000000.0 as Qwen2.5 does");
        }
        if (!(InitializerRange >= 0) || double.IsInfinity(InitializerRange))
        {
            throw Bad("initializer_range", JsonFields.Num(InitializerRange), "must be a non-negative number", "use 0.02");
        }
        if (!(AttentionDropout >= 0 && AttentionDropout < 1))
        {
            throw Bad("attention_dropout", JsonFields.Num(AttentionDropout), "must lie in [0, 1)", "use 0.0");
        }
        if (UseSlidingWindow)
        {
            throw Bad("use_sliding_window", "true", "is not supported", "set it to false as every Qwen2.5 and Qwen3 checkpoint does");
        }
        // Special ids are not range-checked against vocab_size: transformers does not, and generated test models
        // (tools/model/qwen2_eager.py make) keep Qwen's ids with a small vocabulary. Negative ids are refused when parsed.
        foreach (var (field, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) })
        {
            if (id is < 0)
            {
                throw Bad(field, id.Value, "is negative", "use a token id ≥ 0 or remove the field");
            }
        }

        void RequirePositive(long value, string field)
        {
            if (value <= 0)
            {
                throw Bad(field, value, "must be a positive integer", "write the size of the checkpoint you load");
            }
        }
    }

    /// <summary>
    /// The config as Hugging Face writes it (keys sorted, two-space indent). Keys of the original file that
    /// this record does not model are kept; <paramref name="overrides"/> replace or add keys last.
    /// </summary>
    public string ToJson(IReadOnlyDictionary<string, JsonNode?>? overrides = null)
    {
        var root = OriginalJson is null ? new JsonObject() : (JsonNode.Parse(OriginalJson) as JsonObject ?? new JsonObject());
        root["architectures"] ??= new JsonArray(Architecture.CausalLmClass());
        root["model_type"] = Architecture.ModelType();
        root["vocab_size"] = VocabSize;
        root["hidden_size"] = HiddenSize;
        root["intermediate_size"] = IntermediateSize;
        root["num_hidden_layers"] = NumHiddenLayers;
        root["num_attention_heads"] = NumAttentionHeads;
        root["num_key_value_heads"] = NumKeyValueHeads;
        if (ExplicitHeadDim is { } hd)
        {
            root["head_dim"] = hd;
        }
        root["hidden_act"] = HiddenAct;
        root["max_position_embeddings"] = MaxPositionEmbeddings;
        root["initializer_range"] = InitializerRange;
        root["rms_norm_eps"] = RmsNormEps;
        root["rope_theta"] = RopeTheta;
        root["tie_word_embeddings"] = TieWordEmbeddings;
        if (Architecture != ModelArchitecture.Llama)
        {
            root["use_sliding_window"] = UseSlidingWindow;
            root["sliding_window"] = SlidingWindow;
            root["max_window_layers"] = MaxWindowLayers;
        }
        if (Architecture != ModelArchitecture.Qwen2)
        {
            root["attention_bias"] = AttentionBias;
        }
        if (Architecture == ModelArchitecture.Llama)
        {
            root["mlp_bias"] = MlpBias;
        }
        // The original object is kept when it says the same (its number spelling, extra keys); a changed one is rewritten.
        var originalScaling = OriginalJson is null ? null : ParseRopeScaling(JsonFields.Parse(OriginalJson, "config"), Architecture);
        if (RopeScaling is { } rs && rs != originalScaling)
        {
            root["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = rs.Factor,
                ["low_freq_factor"] = rs.LowFreqFactor,
                ["high_freq_factor"] = rs.HighFreqFactor,
                ["original_max_position_embeddings"] = rs.OriginalMaxPositionEmbeddings,
            };
        }
        else if (RopeScaling is null && originalScaling is not null)
        {
            root.Remove("rope_scaling");
        }
        root["attention_dropout"] = AttentionDropout;
        root["bos_token_id"] = BosTokenId;
        root["eos_token_id"] = EosTokenIds.Count switch
        {
            0 => null,
            1 => JsonValue.Create(EosTokenIds[0]),
            _ => new JsonArray(EosTokenIds.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
        };
        if (PadTokenId is not null || root.ContainsKey("pad_token_id"))
        {
            root["pad_token_id"] = PadTokenId;
        }
        if (TorchDtype is not null)
        {
            root["torch_dtype"] = TorchDtype;
        }
        root["use_cache"] ??= true;
        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                root[key] = value?.DeepClone();
            }
        }
        var sorted = new JsonObject();
        foreach (var key in root.Select(p => p.Key).Order(StringComparer.Ordinal).ToList())
        {
            var value = root[key];
            root.Remove(key);
            sorted[key] = value;
        }
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
