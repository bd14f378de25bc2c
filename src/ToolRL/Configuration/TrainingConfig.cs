using System.Text.Json.Nodes;
using ToolRL.Algorithms;
using ToolRL.Torch.IO;
using ToolRL.StepTool;

namespace ToolRL.Configuration;

/// <summary>
/// A complete, validated training configuration. Top-level names mirror the model cards and verl
/// (<c>batch_size</c>, <c>actor_lr</c>, <c>ppo_clip_range</c>, ...); defaults are ToolRL's GRPO settings
/// (the ToolRL repository's <c>train_grpo.sh</c>). Load with <see cref="Load"/> / <see cref="Parse"/> (strict: unknown keys and bad values are
/// refused with a <see cref="ConfigurationException"/>); write the resolved form with <see cref="ToJsonString"/>.
/// See docs/configuration.md for every key.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary><c>algorithm</c>: sft, grpo or ppo (required).</summary>
    public AlgorithmKind Algorithm { get; init; } = AlgorithmKind.Grpo;

    /// <summary><c>seed</c> of every random stream of the run (default 42).</summary>
    public int Seed { get; init; } = 42;

    /// <summary><c>device</c>: "cpu", "cuda" or "cuda:N" (default "cpu").</summary>
    public string Device { get; init; } = "cpu";

    /// <summary><c>dtype</c> of weights and compute (default float32).</summary>
    public ComputeDType DType { get; init; } = ComputeDType.Float32;

    /// <summary><c>batch_size</c>: prompts per training step (verl data.train_batch_size; default 512).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary><c>epochs</c> over the training prompts (verl trainer.total_epochs; default 15).</summary>
    public int Epochs { get; init; } = 15;

    /// <summary><c>n</c>: responses sampled per prompt (GRPO group size; default 4 for grpo, 1 otherwise).</summary>
    public int N { get; init; } = 4;

    /// <summary><c>max_prompt_length</c> in tokens (prompts are left-padded to it; default 2048).</summary>
    public int MaxPromptLength { get; init; } = 2048;

    /// <summary><c>max_response_length</c> in tokens (generation limit; default 1024).</summary>
    public int MaxResponseLength { get; init; } = 1024;

    /// <summary><c>actor_lr</c>: policy AdamW learning rate (default 1e-6).</summary>
    public double ActorLr { get; init; } = 1e-6;

    /// <summary><c>critic_lr</c>: critic AdamW learning rate, PPO only (default 1e-5).</summary>
    public double CriticLr { get; init; } = 1e-5;

    /// <summary><c>weight_decay</c> of AdamW (default 0.01, verl).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary><c>max_grad_norm</c>: global gradient-norm clip; non-finite norms skip the step (default 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary><c>lr_scheduler</c> section.</summary>
    public LrSchedulerConfig LrScheduler { get; init; } = new();

    /// <summary><c>ppo_mini_batch_size</c>: prompts per optimizer step (× n responses; default 128).</summary>
    public int PpoMiniBatchSize { get; init; } = 128;

    /// <summary><c>ppo_micro_batch_size</c>: responses per forward/backward pass, gradients accumulated (default 8).</summary>
    public int PpoMicroBatchSize { get; init; } = 8;

    /// <summary><c>use_dynamic_bsz</c>: form micro-batches by token budget instead of count (default false).</summary>
    public bool UseDynamicBsz { get; init; }

    /// <summary><c>ppo_max_token_len_per_gpu</c>: token budget of a micro-batch when use_dynamic_bsz (default 16384).</summary>
    public int PpoMaxTokenLenPerGpu { get; init; } = 16384;

    /// <summary><c>ppo_epochs</c>: passes over each step's data (default 1).</summary>
    public int PpoEpochs { get; init; } = 1;

    /// <summary><c>ppo_clip_range</c>: ε of the clipped surrogate (verl clip_ratio; default 0.2).</summary>
    public double PpoClipRange { get; init; } = 0.2;

    /// <summary><c>clip_ratio_low</c>: lower ε (ratio ≥ 1 − ε); defaults to ppo_clip_range.</summary>
    public double ClipRatioLow { get; init; } = 0.2;

    /// <summary><c>clip_ratio_high</c>: upper ε (ratio ≤ 1 + ε; DAPO clip-higher 0.28); defaults to ppo_clip_range.</summary>
    public double ClipRatioHigh { get; init; } = 0.2;

    /// <summary><c>clip_ratio_c</c>: dual-clip constant for negative advantages, &gt; 1 (default 3.0).</summary>
    public double ClipRatioC { get; init; } = 3.0;

    /// <summary>
    /// <c>ratio_threshold</c>: a micro-batch whose mean importance ratio over its trained tokens exceeds it adds no
    /// gradient (its actor loss is zeroed, <see cref="Algorithms.RatioThreshold"/>; trl 0.10.1 / StepTool: 10); null (default) = off.
    /// Counted in <c>actor/ratio_skipped</c>.
    /// </summary>
    public double? RatioThreshold { get; init; }

    /// <summary><c>loss_agg_mode</c> (default token-mean).</summary>
    public LossAggregationMode LossAggMode { get; init; } = LossAggregationMode.TokenMean;

    /// <summary><c>loss_scale_factor</c>: divisor of seq-mean-token-sum-norm (null = max_response_length).</summary>
    public double? LossScaleFactor { get; init; }

    /// <summary>
    /// <c>adv_estimator</c>: the advantage estimator by its registered name (<see cref="AdvantageEstimators"/>):
    /// <c>grpo</c> (default for grpo), <c>dr_grpo</c>, <c>rloo</c>, <c>reinforce_plus_plus</c>,
    /// <c>reinforce_plus_plus_baseline</c>, or one registered from code; <c>gae</c> (default and required for ppo, which
    /// trains the critic it needs). Null = the algorithm's default (<see cref="EffectiveAdvEstimator"/>).
    /// </summary>
    public string? AdvEstimator { get; init; }

    /// <summary>The estimator that runs: <see cref="AdvEstimator"/>, or <c>gae</c> for ppo and <c>grpo</c> otherwise.</summary>
    public string EffectiveAdvEstimator => AdvEstimator ?? (Algorithm == AlgorithmKind.Ppo ? AdvantageEstimators.Gae : AdvantageEstimators.Grpo);

    /// <summary><c>policy_loss</c>: the policy loss by its registered name (<see cref="PolicyLosses"/>; default <c>vanilla</c>, verl's clipped surrogate with the dual clip).</summary>
    public string PolicyLoss { get; init; } = PolicyLosses.Vanilla;

    /// <summary><c>normalize_advantages</c>: whiten GAE advantages over valid tokens (PPO; default true).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary><c>norm_adv_by_std_in_grpo</c>: divide by the group std (false = Dr.GRPO; default true).</summary>
    public bool NormAdvByStdInGrpo { get; init; } = true;

    /// <summary>
    /// <c>argument_credit</c>: give the tokens of each tool-call argument value the group-relative advantage of that
    /// value's own correctness, and every other token the outcome advantage (<see cref="ArgumentCreditAdvantage"/>).
    /// Single-turn GRPO with <c>adv_estimator</c> grpo or dr_grpo only; default false.
    /// </summary>
    public bool ArgumentCredit { get; init; }

    /// <summary><c>entropy_coeff</c>: entropy bonus subtracted from the policy loss (default 0.001).</summary>
    public double EntropyCoeff { get; init; } = 0.001;

    /// <summary><c>kl_coef</c>: KL coefficient (in the reward: initial β of kl_ctrl; as a loss: its weight; default 0.001).</summary>
    public double KlCoef { get; init; } = 0.001;

    /// <summary><c>use_kl_in_reward</c>: subtract β·KL(old‖ref) per token from the reward (default true, as ToolRL).</summary>
    public bool UseKlInReward { get; init; } = true;

    /// <summary><c>kl_penalty</c>: estimator of the KL in the reward (default kl = k1).</summary>
    public KlEstimator KlPenalty { get; init; } = KlEstimator.K1;

    /// <summary><c>use_kl_loss</c>: add kl_coef·KL(π‖ref) to the policy loss (default false).</summary>
    public bool UseKlLoss { get; init; }

    /// <summary><c>kl_loss_type</c>: estimator of the KL loss (default low_var_kl = k3).</summary>
    public KlEstimator KlLossType { get; init; } = KlEstimator.K3;

    /// <summary><c>kl_ctrl</c> section (the reward KL coefficient controller).</summary>
    public KlControllerConfig KlCtrl { get; init; } = new();

    /// <summary><c>gamma</c>: GAE discount (default 1.0).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary><c>lam</c>: GAE λ (default 1.0).</summary>
    public double Lam { get; init; } = 1.0;

    /// <summary><c>cliprange_value</c>: value clipping range of the critic loss (default 0.5).</summary>
    public double CliprangeValue { get; init; } = 0.5;

    /// <summary><c>critic_warmup</c>: the actor is updated only from step critic_warmup on (steps start at 1; default 0).</summary>
    public int CriticWarmup { get; init; }

    /// <summary><c>sampling</c> section.</summary>
    public SamplingConfig Sampling { get; init; } = new();

    /// <summary><c>model</c> section.</summary>
    public ModelConfig Model { get; init; } = new();

    /// <summary><c>tokenizer</c> section (resolved: path defaults to model.base_model).</summary>
    public TokenizerConfig Tokenizer { get; init; } = new();

    /// <summary><c>data</c> section.</summary>
    public DataConfig Data { get; init; } = new();

    /// <summary><c>sft</c> section: warm start before RL, or the whole run when algorithm is sft (null = none).</summary>
    public SftConfig? Sft { get; init; }

    /// <summary><c>rft</c> section: rejection-sampling fine-tuning after SFT and before RL (needs an environment; null = none).</summary>
    public RftConfig? Rft { get; init; }

    /// <summary><c>environment</c> section: a multi-turn agent run in a registered environment (null = single-turn prompts).</summary>
    public EnvironmentConfig? Environment { get; init; }

    /// <summary><c>steptool</c> section: StepTool's step-grained rewards, offline on step-grained files or online in the environment (null = none).</summary>
    public StepToolConfig? StepTool { get; init; }

    /// <summary><c>reward</c> section.</summary>
    public RewardConfig Reward { get; init; } = new();

    /// <summary><c>trainer</c> section.</summary>
    public TrainerConfig Trainer { get; init; } = new();

    /// <summary>Responses generated per training step: batch_size × n.</summary>
    public int ResponsesPerStep => BatchSize * N;

    /// <summary>Mini-batches (optimizer steps) per ppo epoch: batch_size / ppo_mini_batch_size.</summary>
    public int MiniBatchesPerStep => BatchSize / PpoMiniBatchSize;

    /// <summary>Optimizer steps per training step: ppo_epochs × batch_size / ppo_mini_batch_size.</summary>
    public int OptimizerStepsPerTrainingStep => PpoEpochs * MiniBatchesPerStep;

    /// <summary>Responses per mini-batch: ppo_mini_batch_size × n.</summary>
    public int ResponsesPerMiniBatch => PpoMiniBatchSize * N;

    /// <summary>Micro-batches accumulated per optimizer step (fixed-size micro-batching).</summary>
    public int GradientAccumulationSteps => ResponsesPerMiniBatch / PpoMicroBatchSize;

    /// <summary>Divisor of the seq-mean-token-sum-norm aggregation: loss_scale_factor or max_response_length.</summary>
    public double EffectiveLossScaleFactor => LossScaleFactor ?? MaxResponseLength;

    /// <summary>True when a reference policy is needed (KL in the reward or as a loss, with a non-zero coefficient).</summary>
    public bool NeedsReferenceModel => (UseKlInReward || UseKlLoss) && KlCoef > 0;

    /// <summary>Reads and validates a configuration file.</summary>
    /// <exception cref="ConfigurationException">The file is not valid JSON or not a valid configuration.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TrainingConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Training configuration {path} not found. Fix: pass the path of a JSON config such as configs/grpo-tiny.json.", path);
        }
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates configuration JSON; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ConfigurationException">The text is not valid JSON or not a valid configuration.</exception>
    public static TrainingConfig Parse(string json, string source = "(json)") => TrainingConfigReader.Parse(json, source);

    /// <summary>Validates a parsed JSON object (e.g. built in code).</summary>
    /// <exception cref="ConfigurationException">The object is not a valid configuration.</exception>
    public static TrainingConfig FromJson(JsonObject root, string source = "(json)") => TrainingConfigReader.Read(root, source);

    /// <summary>
    /// Runs every validation rule on a configuration built in code (with <c>with</c>/object initialisers), by
    /// writing and re-reading it; returns the resolved configuration.
    /// </summary>
    /// <exception cref="ConfigurationException">Some value or combination is invalid.</exception>
    public TrainingConfig Validated() => FromJson(ToJson(), "(in-code configuration)");

    /// <summary>The resolved configuration as JSON (every key, defaults filled in), readable by <see cref="FromJson"/>.</summary>
    public JsonObject ToJson() => TrainingConfigWriter.Write(this);

    /// <summary>The resolved configuration as indented JSON text (written beside every checkpoint).</summary>
    public string ToJsonString() => ToJson().ToJsonString(TrainingConfigWriter.Indented);

    /// <summary>Writes <see cref="ToJsonString"/> to <paramref name="path"/> atomically (<see cref="AtomicFile"/>).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJsonString() + System.Environment.NewLine);
}
