using System.Text.Json.Nodes;
using ToolRL.Models;

namespace ToolRL.Configuration;

/// <summary>
/// The policy model (<c>model</c> section): either a Hugging Face folder (<c>base_model</c>, e.g. a downloaded
/// Qwen/Qwen2.5-7B-Instruct) or a randomly initialised <c>tiny</c> Qwen2-architecture model. Exactly one is given.
/// </summary>
public sealed record ModelConfig
{
    /// <summary><c>base_model</c>: folder with config.json and safetensors weights (relative to the working directory).</summary>
    public string? BaseModel { get; init; }

    /// <summary><c>tiny</c>: a random-init model spec (used by the demo and tests).</summary>
    public TinyModelSpec? Tiny { get; init; }

    /// <summary><c>gradient_checkpointing</c>: recompute activations in backward to save memory (default false).</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary><c>critic_from_policy</c>: PPO critic trunk starts from the policy weights (default true, as verl).</summary>
    public bool CriticFromPolicy { get; init; } = true;

    /// <summary>
    /// <c>lora</c>: train LoRA adapters on a frozen base instead of every weight (PEFT's fields: <c>r</c>, <c>lora_alpha</c>,
    /// <c>lora_dropout</c>, <c>target_modules</c>, <c>use_rslora</c>, <c>bias</c>); the SFT warm start, if any, still trains
    /// the full model, the RL phase trains the adapters (and the PPO critic's adapters and value head). Null = full fine-tuning.
    /// </summary>
    public LoraConfig? Lora { get; init; }

    internal static ModelConfig Read(JsonSection s)
    {
        var d = new ModelConfig();
        var baseModel = s.OptionalString("base_model", p => p.Length > 0, "must not be empty",
            "set base_model to the folder of a downloaded Hugging Face model (holding config.json), e.g. \"models/Qwen2.5-3B-Instruct\"");
        var tinySection = s.Section("tiny");
        var tiny = tinySection is null ? null : TinyModelSpec.Read(tinySection);
        var config = new ModelConfig
        {
            BaseModel = baseModel,
            Tiny = tiny,
            GradientCheckpointing = s.Bool("gradient_checkpointing", d.GradientCheckpointing),
            CriticFromPolicy = s.Bool("critic_from_policy", d.CriticFromPolicy),
            Lora = s.Section("lora") is { } lora ? ReadLora(lora) : null,
        };
        if (config.Lora is { Dropout: > 0 } && config.GradientCheckpointing)
        {
            s.Error("lora", $"lora_dropout {config.Lora.Dropout} with gradient_checkpointing: the recomputed forward would draw other dropout masks",
                "set model.lora.lora_dropout to 0 (usual for RL) or gradient_checkpointing to false");
        }
        if (s.Has("base_model") && tinySection is not null)
        {
            s.Error("tiny", "both base_model and tiny are given", "keep base_model (load weights) or tiny (random init), not both");
        }
        else if (!s.Has("base_model") && !s.Has("tiny"))
        {
            s.Errors.Add(s.Path, null, "no model given", "add \"base_model\": \"<folder of a Hugging Face model>\" or a \"tiny\": { ... } spec");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject();
        if (BaseModel is not null)
        {
            o["base_model"] = BaseModel;
        }
        if (Tiny is not null)
        {
            o["tiny"] = Tiny.ToJson();
        }
        o["gradient_checkpointing"] = GradientCheckpointing;
        o["critic_from_policy"] = CriticFromPolicy;
        if (Lora is not null)
        {
            o["lora"] = new JsonObject
            {
                ["r"] = Lora.R,
                ["lora_alpha"] = Lora.Alpha,
                ["lora_dropout"] = Lora.Dropout,
                ["target_modules"] = new JsonArray(Lora.TargetModules.Select(m => (JsonNode?)m).ToArray()),
                ["use_rslora"] = Lora.UseRslora,
                ["bias"] = Lora.Bias,
            };
        }
        return o;
    }

    private static LoraConfig ReadLora(JsonSection s)
    {
        var d = new LoraConfig();
        var modules = LoraConfig.LinearModules;
        var targetsFix = $"list PEFT module names from {string.Join(", ", modules)}, or write \"{LoraConfig.AllLinear}\"";
        var targets = s.StringList("target_modules", targetsFix);
        var config = new LoraConfig
        {
            R = s.Int("r", d.R, 1, "must be at least 1", "set r to the adapter rank, e.g. 8"),
            Alpha = s.Double("lora_alpha", d.Alpha, v => v > 0 && !double.IsInfinity(v), "must be a finite number > 0", "set lora_alpha to e.g. 2 × r (16 for r 8)"),
            Dropout = s.Double("lora_dropout", d.Dropout, v => v >= 0 && v < 1, "must be in [0, 1)", "set lora_dropout to 0 (usual for RL) or e.g. 0.05"),
            TargetModules = targets.Count == 0 || targets.SequenceEqual([LoraConfig.AllLinear]) ? modules : targets.Distinct().ToList(),
            UseRslora = s.Bool("use_rslora", d.UseRslora),
            Bias = s.String("bias", d.Bias, v => v == "none", "is not supported (only \"none\": the base biases stay frozen, as PEFT's default)", "set bias to \"none\""),
        };
        foreach (var name in targets.SequenceEqual([LoraConfig.AllLinear]) ? [] : targets.Where(n => !modules.Contains(n, StringComparer.Ordinal)))
        {
            s.Error("target_modules", name == LoraConfig.AllLinear ? $"\"{name}\" must stand alone, not inside a list" : $"'{name}' is not a linear layer of Qwen2", targetsFix);
        }
        s.RejectUnknownKeys();
        return config;
    }
}

/// <summary>
/// A random-init Qwen2-architecture model (<c>model.tiny</c>); keys are Hugging Face config.json names.
/// Defaults give a ~1M-parameter model that trains in minutes on 2 CPU cores.
/// </summary>
public sealed record TinyModelSpec
{
    /// <summary><c>hidden_size</c> (default 128).</summary>
    public int HiddenSize { get; init; } = 128;

    /// <summary><c>num_hidden_layers</c> (default 2).</summary>
    public int NumHiddenLayers { get; init; } = 2;

    /// <summary><c>num_attention_heads</c> (default 4).</summary>
    public int NumAttentionHeads { get; init; } = 4;

    /// <summary><c>num_key_value_heads</c> (default 2; grouped-query attention).</summary>
    public int NumKeyValueHeads { get; init; } = 2;

    /// <summary><c>intermediate_size</c> of the SwiGLU MLP (default 256).</summary>
    public int IntermediateSize { get; init; } = 256;

    /// <summary><c>max_position_embeddings</c> (default 4096).</summary>
    public int MaxPositionEmbeddings { get; init; } = 4096;

    /// <summary><c>rope_theta</c> (default 10000).</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary><c>rms_norm_eps</c> (default 1e-6).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>tie_word_embeddings</c> (default true, as small Qwen2.5 models).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>vocab_size</c>; null = the tokenizer's vocabulary size.</summary>
    public int? VocabSize { get; init; }

    /// <summary><c>seed</c> for the random initialisation; null = the run's <c>seed</c>.</summary>
    public int? InitSeed { get; init; }

    /// <summary>Per-head dimension, hidden_size / num_attention_heads.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    internal static TinyModelSpec Read(JsonSection s)
    {
        var d = new TinyModelSpec();
        const string Positive = "must be at least 1";
        var spec = new TinyModelSpec
        {
            HiddenSize = s.Int("hidden_size", d.HiddenSize, 1, Positive, "set hidden_size to e.g. 128"),
            NumHiddenLayers = s.Int("num_hidden_layers", d.NumHiddenLayers, 1, Positive, "set num_hidden_layers to e.g. 2"),
            NumAttentionHeads = s.Int("num_attention_heads", d.NumAttentionHeads, 1, Positive, "set num_attention_heads to e.g. 4"),
            NumKeyValueHeads = s.Int("num_key_value_heads", d.NumKeyValueHeads, 1, Positive, "set num_key_value_heads to a divisor of num_attention_heads, e.g. 2"),
            IntermediateSize = s.Int("intermediate_size", d.IntermediateSize, 1, Positive, "set intermediate_size to e.g. 2 × hidden_size"),
            MaxPositionEmbeddings = s.Int("max_position_embeddings", d.MaxPositionEmbeddings, 1, Positive, "set max_position_embeddings ≥ max_prompt_length + max_response_length"),
            RopeTheta = s.Double("rope_theta", d.RopeTheta, v => v > 0, "must be > 0", "set rope_theta to e.g. 10000"),
            RmsNormEps = s.Double("rms_norm_eps", d.RmsNormEps, v => v > 0 && v < 1, "must be in (0, 1)", "set rms_norm_eps to e.g. 1e-6"),
            TieWordEmbeddings = s.Bool("tie_word_embeddings", d.TieWordEmbeddings),
            VocabSize = s.OptionalInt("vocab_size", 2, "must be at least 2", "remove vocab_size to take the tokenizer's, or set it ≥ the tokenizer's vocabulary size"),
            InitSeed = s.OptionalInt("seed", int.MinValue, "", "set seed to a whole number or remove it"),
        };
        if (s.Divides("num_attention_heads", spec.NumAttentionHeads, "hidden_size", spec.HiddenSize,
                "choose num_attention_heads dividing hidden_size (e.g. hidden 128 with 4 heads)") && spec.HeadDim % 2 != 0)
        {
            s.Error("num_attention_heads", $"head dimension hidden_size/num_attention_heads = {spec.HeadDim} is odd (rotary embeddings need it even)",
                "choose hidden_size and num_attention_heads so their ratio is even");
        }
        s.Divides("num_key_value_heads", spec.NumKeyValueHeads, "num_attention_heads", spec.NumAttentionHeads,
            "choose num_key_value_heads dividing num_attention_heads (e.g. 4 heads with 2 or 1 KV heads)");
        s.RejectUnknownKeys();
        return spec;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["intermediate_size"] = IntermediateSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rope_theta"] = RopeTheta,
            ["rms_norm_eps"] = RmsNormEps,
            ["tie_word_embeddings"] = TieWordEmbeddings,
        };
        if (VocabSize is { } vocab)
        {
            o["vocab_size"] = vocab;
        }
        if (InitSeed is { } seed)
        {
            o["seed"] = seed;
        }
        return o;
    }
}
