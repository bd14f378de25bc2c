using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Tokenization;
using ToolRL.Torch;
using ToolRL.Training.Models;

namespace ToolRL.Training.Pipeline;

/// <summary>
/// Stage 3 and 5, the models: the policy (a seeded random tiny Qwen2 from <c>model.tiny</c>, or the Hugging Face
/// folder <c>model.base_model</c>), and after the warm start the frozen reference (a copy, only when KL is used) and
/// the PPO critic (from the policy's trunk, or random).
/// </summary>
internal static class ModelStage
{
    /// <summary>The policy: <paramref name="given"/> (a script's model) or the configured one.</summary>
    public static Qwen2Policy Policy(TrainingConfig config, Qwen2Tokenizer tokenizer, Qwen2ForCausalLM? given = null)
    {
        if (given is not null && given.Config.VocabSize < tokenizer.VocabSize)
        {
            throw new ArgumentException($"the model's vocabulary ({given.Config.VocabSize} tokens) is smaller than the tokenizer's {tokenizer.VocabSize}; pass the tokenizer the model was made for.", nameof(given));
        }
        var policy = new Qwen2Policy(given ?? CreatePolicy(config, tokenizer));
        policy.Model.Model.GradientCheckpointing = config.Model.GradientCheckpointing;   // model.gradient_checkpointing
        return policy;
    }

    /// <summary>
    /// LoRA (<c>model.lora</c>): the RL phase trains adapters on the (warm-started) base, which stays frozen and
    /// doubles as the reference.
    /// </summary>
    public static void AddAdapters(TrainingConfig config, string outputDir, Qwen2Policy policy, Action<string> log)
    {
        if (config.Model.Lora is not { } lora)
        {
            return;
        }
        if (config.Sft is not null)
        {
            policy.Model.SourceDirectory = Path.Combine(outputDir, "sft", "model");
        }
        policy.Model.AddAdapters(lora, config.Seed);
        log($"lora: r {lora.R}, alpha {lora.Alpha}{(lora.UseRslora ? " (rsLoRA)" : "")} on {string.Join(", ", lora.TargetModules)}: " +
            $"{policy.Model.TrainableParameters().Sum(p => p.NumEl):N0} trainable of {policy.Model.ParameterCount():N0} parameters");
    }

    /// <summary>
    /// The frozen reference policy (null without KL): with LoRA the base with adapters off (no second copy),
    /// otherwise a copy of <paramref name="policy"/> as it is now.
    /// </summary>
    public static Qwen2Policy? Reference(TrainingConfig config, Qwen2Policy policy)
    {
        if (!config.NeedsReferenceModel)
        {
            return null;
        }
        if (config.Model.Lora is not null)
        {
            return Qwen2Policy.BaseOf(policy);
        }
        var model = policy.Model;
        var copy = Qwen2ForCausalLM.CreateRandom(model.Config, 0, model.DType, model.Device);
        copy.LoadStateDict(model.StateDict());
        var reference = new Qwen2Policy(copy);
        reference.Module.Freeze();
        return reference;
    }

    /// <summary>The critic of a PPO run (null otherwise): with LoRA adapters on the policy's trunk; else <c>model.critic_from_policy</c> copies the trunk.</summary>
    public static Qwen2Critic? Critic(TrainingConfig config, Qwen2Policy policy)
    {
        if (config.Algorithm != AlgorithmKind.Ppo)
        {
            return null;
        }
        var model = policy.Model;
        return new Qwen2Critic(config.Model.Lora is not null ? Qwen2ValueModel.CreateWithAdapters(model, config.Seed)
            : config.Model.CriticFromPolicy
            ? Qwen2ValueModel.CreateFrom(model, config.Seed)
            : Qwen2ValueModel.CreateRandom(model.Config, config.Seed, model.DType, model.Device));
    }

    private static Qwen2ForCausalLM CreatePolicy(TrainingConfig config, Qwen2Tokenizer tokenizer)
    {
        var (dtype, device) = ComputeOf(config);
        if (config.Model.BaseModel is { } baseModel)
        {
            return Qwen2ForCausalLM.FromPretrained(baseModel, dtype, device);
        }
        var tiny = config.Model.Tiny!;
        var modelConfig = new Qwen2Config
        {
            VocabSize = tiny.VocabSize ?? tokenizer.VocabSize,
            HiddenSize = tiny.HiddenSize,
            IntermediateSize = tiny.IntermediateSize,
            NumHiddenLayers = tiny.NumHiddenLayers,
            NumAttentionHeads = tiny.NumAttentionHeads,
            NumKeyValueHeads = tiny.NumKeyValueHeads,
            MaxPositionEmbeddings = tiny.MaxPositionEmbeddings,
            RopeTheta = tiny.RopeTheta,
            RmsNormEps = tiny.RmsNormEps,
            TieWordEmbeddings = tiny.TieWordEmbeddings,
            EosTokenIds = [tokenizer.ImEndTokenId],
            PadTokenId = tokenizer.PadTokenId,
        };
        if (modelConfig.VocabSize < tokenizer.VocabSize)
        {
            throw new InvalidOperationException($"model.tiny.vocab_size {modelConfig.VocabSize} is smaller than the tokenizer's {tokenizer.VocabSize} tokens; remove vocab_size or raise it.");
        }
        return Qwen2ForCausalLM.CreateRandom(modelConfig, tiny.InitSeed ?? config.Seed, dtype, device);
    }

    /// <summary>
    /// The configured <c>dtype</c> and <c>device</c> of the policy; the reference and the critic copy the policy's.
    /// A CUDA device this libtorch cannot reach is refused here, naming the field, rather than failing mid-run.
    /// </summary>
    private static (DType DType, Device Device) ComputeOf(TrainingConfig config)
    {
        var device = Device.Parse(config.Device);
        if (device.IsCuda && (!torch.CudaIsAvailable || device.Index >= torch.CudaDeviceCount))
        {
            var found = torch.CudaIsAvailable ? $"{torch.CudaDeviceCount} CUDA device(s)" : "no CUDA (it is a CPU build or no GPU is visible)";
            throw new ConfigurationException("the configuration", [new ConfigError("$.device", $"\"{config.Device}\"",
                $"this libtorch has {found}", "set \"device\": \"cpu\", or build the native bridge against a CUDA libtorch on a machine with a GPU")]);
        }
        var dtype = config.DType switch
        {
            ComputeDType.BFloat16 => DType.BFloat16,
            ComputeDType.Float16 => DType.Float16,
            _ => DType.Float32,
        };
        return (dtype, device);
    }
}
