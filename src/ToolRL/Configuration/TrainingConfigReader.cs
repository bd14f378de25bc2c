using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolRL.Algorithms;
using ToolRL.StepTool;

namespace ToolRL.Configuration;

/// <summary>Reads the top level of a configuration and runs the cross-field checks (batch divisibility etc.).</summary>
internal static partial class TrainingConfigReader
{
    public static TrainingConfig Parse(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"line {line + 1}, column {e.BytePositionInLine + 1}" : "unknown position";
            throw new ConfigurationException(source, [new ConfigError("$", null, $"not valid JSON ({where}: {e.Message})", "fix the JSON syntax at that position")]);
        }
        if (node is not JsonObject root)
        {
            throw new ConfigurationException(source, [new ConfigError("$", null, "the configuration must be a JSON object", "write it as { \"algorithm\": \"grpo\", ... }")]);
        }
        return Read(root, source);
    }

    public static TrainingConfig Read(JsonObject root, string source)
    {
        var errors = new ConfigErrorList();
        var s = new JsonSection(root, "$", errors);
        var d = new TrainingConfig();

        if (!s.Has("algorithm"))
        {
            errors.Add("$.algorithm", null, "missing", "add \"algorithm\": \"grpo\" (or \"ppo\", \"sft\")");
        }
        var algorithm = s.Enum("algorithm", d.Algorithm, ConfigEnumNames.Algorithm, "set algorithm to \"sft\", \"grpo\" or \"ppo\"");
        var clipRange = s.Double("ppo_clip_range", d.PpoClipRange, v => v > 0 && v < 1, "must be in (0, 1)", "set ppo_clip_range to e.g. 0.2");
        var klCoef = s.OptionalDouble("kl_coef", v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set kl_coef to e.g. 0.001 (0 disables the KL and the reference model)");
        var klCtrlSection = s.Section("kl_ctrl");
        double? initKlCoef = null;
        var klCtrl = klCtrlSection is null ? d.KlCtrl : KlControllerConfig.Read(klCtrlSection, out initKlCoef);
        if (klCoef is { } a && initKlCoef is { } b && a != b)
        {
            errors.Add("$.kl_ctrl.init_kl_coef", JsonSection.Format(b), $"differs from kl_coef {JsonSection.Format(a)}",
                "give the coefficient once: keep kl_coef (or make both equal)");
        }
        var model = Section(s, "model", ModelConfig.Read, d.Model, required: true);

        var config = new TrainingConfig
        {
            Algorithm = algorithm,
            Seed = s.Int("seed", d.Seed, int.MinValue, "", "set seed to a whole number, e.g. 42"),
            Device = s.String("device", d.Device, IsDevice, "must be \"cpu\", \"cuda\" or \"cuda:N\"", "set device to \"cpu\" or e.g. \"cuda:0\""),
            DType = s.Enum("dtype", d.DType, ConfigEnumNames.DType, "set dtype to \"float32\", \"bfloat16\" or \"float16\""),
            BatchSize = s.Int("batch_size", d.BatchSize, 1, "must be at least 1", "set batch_size to the prompts per step, e.g. 512"),
            Epochs = s.Int("epochs", d.Epochs, 1, "must be at least 1", "set epochs to e.g. 15"),
            N = s.Int("n", algorithm == AlgorithmKind.Grpo ? 4 : 1, 1, "must be at least 1", "set n (responses per prompt) to e.g. 4 for grpo or 1 for ppo"),
            MaxPromptLength = s.Int("max_prompt_length", d.MaxPromptLength, 1, "must be at least 1", "set max_prompt_length to e.g. 2048"),
            MaxResponseLength = s.Int("max_response_length", d.MaxResponseLength, 1, "must be at least 1", "set max_response_length to e.g. 1024"),
            ActorLr = s.Double("actor_lr", d.ActorLr, IsLearningRate, "must be in (0, 1)", "set actor_lr to e.g. 1e-6"),
            CriticLr = s.Double("critic_lr", d.CriticLr, IsLearningRate, "must be in (0, 1)", "set critic_lr to e.g. 1e-5"),
            WeightDecay = s.Double("weight_decay", d.WeightDecay, v => v >= 0 && v < 1, "must be in [0, 1)", "set weight_decay to e.g. 0.01"),
            MaxGradNorm = s.Double("max_grad_norm", d.MaxGradNorm, v => v > 0 && double.IsFinite(v), "must be > 0", "set max_grad_norm to e.g. 1.0"),
            LrScheduler = Section(s, "lr_scheduler", LrSchedulerConfig.Read, d.LrScheduler),
            PpoMiniBatchSize = s.Int("ppo_mini_batch_size", d.PpoMiniBatchSize, 1, "must be at least 1", "set ppo_mini_batch_size (prompts per optimizer step) to e.g. 128"),
            PpoMicroBatchSize = s.Int("ppo_micro_batch_size", d.PpoMicroBatchSize, 1, "must be at least 1", "set ppo_micro_batch_size (responses per forward pass) to e.g. 8"),
            UseDynamicBsz = s.Bool("use_dynamic_bsz", d.UseDynamicBsz),
            PpoMaxTokenLenPerGpu = s.Int("ppo_max_token_len_per_gpu", d.PpoMaxTokenLenPerGpu, 1, "must be at least 1", "set ppo_max_token_len_per_gpu to e.g. 16384"),
            PpoEpochs = s.Int("ppo_epochs", d.PpoEpochs, 1, "must be at least 1", "set ppo_epochs to e.g. 1"),
            PpoClipRange = clipRange,
            ClipRatioLow = s.Double("clip_ratio_low", clipRange, v => v > 0 && v < 1, "must be in (0, 1)", "set clip_ratio_low to e.g. 0.2 or remove it (defaults to ppo_clip_range)"),
            ClipRatioHigh = s.Double("clip_ratio_high", clipRange, v => v > 0 && double.IsFinite(v), "must be > 0", "set clip_ratio_high to e.g. 0.28 or remove it (defaults to ppo_clip_range)"),
            ClipRatioC = s.Double("clip_ratio_c", d.ClipRatioC, v => v > 1 && double.IsFinite(v), "must be > 1 (dual-clip bound)", "set clip_ratio_c to e.g. 3.0"),
            RatioThreshold = s.OptionalDouble("ratio_threshold", v => v > 1 && double.IsFinite(v), "must be > 1 (the mean ratio is 1 before the first update)",
                "set ratio_threshold to e.g. 10 (StepTool) or remove it to never skip"),
            LossAggMode = s.Enum("loss_agg_mode", d.LossAggMode, ConfigEnumNames.LossAgg, "set loss_agg_mode to \"token-mean\" (default) or another listed mode"),
            LossScaleFactor = s.OptionalDouble("loss_scale_factor", v => v > 0 && double.IsFinite(v), "must be > 0", "remove loss_scale_factor (max_response_length is used) or set it > 0"),
            AdvEstimator = s.OptionalString("adv_estimator",
                name => AdvantageEstimators.Default.Names.Contains(name), $"is not a registered advantage estimator ({string.Join(", ", AdvantageEstimators.Default.Names)})",
                "set adv_estimator to one of those, or register yours with AdvantageEstimators.Default.Register before loading the configuration"),
            PolicyLoss = s.String("policy_loss", d.PolicyLoss,
                name => PolicyLosses.Default.Names.Contains(name), $"is not a registered policy loss ({string.Join(", ", PolicyLosses.Default.Names)})",
                "set policy_loss to one of those, or register yours with PolicyLosses.Default.Register before loading the configuration"),
            NormalizeAdvantages = s.Bool("normalize_advantages", d.NormalizeAdvantages),
            NormAdvByStdInGrpo = s.Bool("norm_adv_by_std_in_grpo", d.NormAdvByStdInGrpo),
            ArgumentCredit = s.Bool("argument_credit", d.ArgumentCredit),
            EntropyCoeff = s.Double("entropy_coeff", d.EntropyCoeff, v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set entropy_coeff to e.g. 0.001 (0 disables the bonus)"),
            KlCoef = klCoef ?? initKlCoef ?? d.KlCoef,
            UseKlInReward = s.Bool("use_kl_in_reward", d.UseKlInReward),
            KlPenalty = s.Enum("kl_penalty", d.KlPenalty, ConfigEnumNames.Kl, "set kl_penalty to \"kl\", \"abs\", \"mse\" or \"low_var_kl\""),
            UseKlLoss = s.Bool("use_kl_loss", d.UseKlLoss),
            KlLossType = s.Enum("kl_loss_type", d.KlLossType, ConfigEnumNames.Kl, "set kl_loss_type to \"low_var_kl\" (default) or \"kl\", \"abs\", \"mse\""),
            KlCtrl = klCtrl,
            Gamma = s.Double("gamma", d.Gamma, v => v >= 0 && v <= 1, "must be in [0, 1]", "set gamma to e.g. 1.0"),
            Lam = s.Double("lam", d.Lam, v => v >= 0 && v <= 1, "must be in [0, 1]", "set lam to e.g. 1.0 (verl) or 0.95 (TRL)"),
            CliprangeValue = s.Double("cliprange_value", d.CliprangeValue, v => v > 0 && double.IsFinite(v), "must be > 0", "set cliprange_value to e.g. 0.5"),
            CriticWarmup = s.Int("critic_warmup", d.CriticWarmup, 0, "must be ≥ 0", "set critic_warmup to 0 (no warmup) or a step count"),
            Sampling = Section(s, "sampling", SamplingConfig.Read, d.Sampling),
            Model = model,
            Tokenizer = Section(s, "tokenizer", TokenizerConfig.Read, d.Tokenizer),
            Data = Section(s, "data", DataConfig.Read, d.Data, required: !s.Has("environment") && !s.Has("steptool")),   // an environment or StepTool files bring their own rows
            Sft = s.Section("sft") is { } sft ? SftConfig.Read(sft) : null,
            Environment = s.Section("environment") is { } environment ? EnvironmentConfig.Read(environment) : null,
            Rft = s.Section("rft") is { } rft ? RftConfig.Read(rft) : null,
            StepTool = s.Section("steptool") is { } stepTool ? StepToolConfig.Read(stepTool) : null,
            Reward = Section(s, "reward", RewardConfig.Read, d.Reward),
            Trainer = Section(s, "trainer", TrainerConfig.Read, d.Trainer),
        };
        s.RejectUnknownKeys();
        if (errors.Count == 0)
        {
            config = CrossFieldChecks.Apply(config, errors);
        }
        errors.ThrowIfAny(source);
        return config;
    }

    private static T Section<T>(JsonSection s, string key, Func<JsonSection, T> read, T fallback, bool required = false)
    {
        var section = s.Section(key);
        if (section is not null)
        {
            return read(section);
        }
        if (required && !s.Has(key))
        {
            s.Errors.Add(s.PathOf(key), null, "missing section", $"add a \"{key}\": {{ ... }} section, see docs/configuration.md");
        }
        return fallback;
    }

    private static bool IsLearningRate(double v) => v > 0 && v < 1;

    private static bool IsDevice(string text) => DevicePattern().IsMatch(text);

    [GeneratedRegex(@"^(cpu|cuda(:\d{1,2})?)$")]
    private static partial Regex DevicePattern();
}
