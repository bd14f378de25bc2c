using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ToolRL.Agents;
using ToolRL.Agents.Mcp;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Runs;
using ToolRL.Tokenization;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Pipeline;
using ToolRL.Training.Rollout;
using ToolRL.Training.Validation;
using ToolRL.StepTool;

namespace ToolRL.Training;

/// <summary>
/// Everything <c>toolrl train CONFIG.json</c> does, in stages under the output folder, each published atomically
/// (a finished stage is reused by <c>--resume</c>, an interrupted one is redone). Each stage is a small type with
/// its inputs and outputs (ToolRL.Training.Pipeline):
/// <list type="number">
/// <item><c>DataStage</c> → <c>data/</c>: the prompts: synthetic tool-calling rows generated from the seed, or the configured files
/// (an environment brings its own tasks).</item>
/// <item><c>TokenizerStage</c> → <c>tokenizer/</c>: a byte-level BPE trained on that data (<c>tokenizer.train_bpe</c>), or the configured one.</item>
/// <item><c>RewardStage</c>: the weighted composition of the configured reward functions.</item>
/// <item><c>ModelStage</c>: the policy: a random-init tiny Qwen2 (<c>model.tiny</c>) or a Hugging Face folder (<c>model.base_model</c>).</item>
/// <item><c>SftStage</c> → <c>sft/</c>: the SFT warm start (<c>sft</c> section), its model in Hugging Face layout and its metrics.</item>
/// <item><c>ModelStage</c>: LoRA adapters (<c>model.lora</c>), the frozen reference (when KL is used) and the PPO critic.</item>
/// <item>GRPO or PPO (metrics.jsonl/csv, checkpoints/, report.html), resumable from the latest checkpoint.</item>
/// </list>
/// <c>toolrl train</c> and the one-call trainers of <see cref="Train"/> both run this pipeline; the latter hand it what a
/// script already holds (a model, a tokenizer, rows, reward instances), which then replace the matching stage.
/// </summary>
public sealed class TrainingPipeline
{
    private readonly RunStartOptions _start;
    private readonly ILogger? _logger;
    private readonly Action<string> _log;
    private readonly PipelineInputs _inputs;
    private readonly TrainingHooks _hooks;
    private IReadOnlyDictionary<string, double> _recordedSettings = new Dictionary<string, double>();
    private bool _stopRequested;

    /// <summary>A pipeline for <paramref name="config"/> in <paramref name="outputDir"/>, started as <paramref name="start"/> says.</summary>
    /// <param name="config">The configuration.</param>
    /// <param name="outputDir">The run's folder.</param>
    /// <param name="start">Resume, overwrite or start fresh.</param>
    /// <param name="logger">Receives progress notes (category <c>ToolRL.Training</c>, Information); null = none.</param>
    /// <param name="hooks">Callbacks on step, validation and checkpoint, and the early stop; null = none.</param>
    public TrainingPipeline(TrainingConfig config, string outputDir, RunStartOptions start, ILogger? logger = null, TrainingHooks? hooks = null)
        : this(config, outputDir, start, new PipelineInputs(), logger, hooks)
    {
    }

    /// <summary>A pipeline that resumes the run in <paramref name="outputDir"/>, or starts one in a folder without a run.</summary>
    public TrainingPipeline(TrainingConfig config, string outputDir, bool resume, ILogger? logger = null)
        : this(config, outputDir, new RunStartOptions { Resume = resume }, logger)
    {
    }

    internal TrainingPipeline(TrainingConfig config, string outputDir, RunStartOptions start, PipelineInputs inputs, ILogger? logger, TrainingHooks? hooks)
    {
        Config = config;
        OutputDir = Path.GetFullPath(outputDir);
        _start = start;
        _inputs = inputs;
        _logger = logger;
        _log = ProgressLog.Notes(logger);
        _hooks = hooks ?? new TrainingHooks();
    }

    /// <summary>The configuration.</summary>
    public TrainingConfig Config { get; }

    /// <summary>The output folder.</summary>
    public string OutputDir { get; }

    /// <summary>
    /// Data-parallel ranks (from torchrun's variables; docs/distributed.md), or null for one process; set before <see cref="RunAsync"/>. Rank 0 runs the
    /// pipeline in <see cref="OutputDir"/>; every rank shares the RL phase (<see cref="RlTrainerSetup.Group"/>).
    /// </summary>
    public ProcessGroup? Group { get; set; }

    /// <summary>With <see cref="Group"/>: shard the actor's optimizer state over the ranks (ZeRO-1; <see cref="RlTrainerSetup.ShardOptimizer"/>).</summary>
    public bool ShardOptimizer { get; set; }

    /// <summary>Where this process writes its stages: <see cref="OutputDir"/>, or a scratch folder on ranks other than 0.</summary>
    private string StageDir { get; set; } = "";

    /// <summary>Held-out results before RL (after SFT), once known.</summary>
    public ValidationResult? Before { get; private set; }

    /// <summary>Held-out results after RL, once known.</summary>
    public ValidationResult? After { get; private set; }

    /// <summary>Held-out pass^k of an environment run before RL (after SFT), once known.</summary>
    public AgentEvaluationResult? AgentBefore { get; private set; }

    /// <summary>Held-out pass^k of an environment run after RL, once known.</summary>
    public AgentEvaluationResult? AgentAfter { get; private set; }

    /// <summary>The HTML report of the RL phase, once written.</summary>
    public string? ReportPath { get; private set; }

    /// <summary>
    /// The trained policy in Hugging Face layout with its tokenizer, once the run has finished: the last RL
    /// checkpoint's <c>actor</c> folder, or <c>rft/model</c>, or <c>sft/model</c> for a run without an RL phase.
    /// </summary>
    public string? ModelDirectory { get; private set; }

    /// <summary>True when <see cref="TrainingHooks.StopWhen"/> ended the run early.</summary>
    public bool StoppedEarly => _stopRequested;

    /// <summary>
    /// Runs every stage, yielding each training step (SFT steps, then RL steps), with the output folder opened as a
    /// <see cref="RunFolder"/> (inputs checked, folder locked, an existing run resumed or replaced) for the whole run.
    /// </summary>
    public async IAsyncEnumerable<TrainingStepResult> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Group is { Rank: > 0 })
        {
            // Rank 0 owns the run folder. The others run the same stages in a private scratch folder (they are
            // deterministic; the RL phase then starts from rank 0's weights) and read checkpoints from the run folder.
            StageDir = Directory.CreateTempSubdirectory("toolrl-rank-").FullName;
            try
            {
                await foreach (var step in RunStagesAsync(cancellationToken))
                {
                    yield return step;
                }
            }
            finally
            {
                Directory.Delete(StageDir, recursive: true);
            }
            yield break;
        }
        StageDir = OutputDir;
        using var run = RunFolder.Open(OutputDir, Config, _start, _logger);
        _recordedSettings = run.RecordedSettings;
        await foreach (var step in RunStagesAsync(cancellationToken))
        {
            run.ConfirmStarted();
            if (step.Phase is not ("grpo" or "ppo"))
            {
                // RL steps run the hooks inside the trainer (RlTrainerSetup.Hooks), the other phases here.
                _hooks.OnStep?.Invoke(step);
            }
            yield return step;
        }
        run.ConfirmStarted();
    }

    private async IAsyncEnumerable<TrainingStepResult> RunStagesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        AtomicDirectory.SweepLeftovers(StageDir);
        torch.ManualSeed(Config.Seed);

        // An environment brings its own tasks (rows naming them), tokenizer corpus, gold SFT data, rollout and evaluation.
        await using var agent = Config.Environment is { } environment
            ? await AgentRun.StartAsync(environment, _logger, ToolsAdded(environment), cancellationToken)
            : null;
        // Offline StepTool replays step-grained files (read, or generated from the environment) instead of prompts.
        var stepTool = Config.StepTool is { Mode: StepToolMode.Offline } stepConfig ? await StepToolRun.PrepareAsync(stepConfig, StageDir, agent, _log, cancellationToken) : null;
        var (train, val) = stepTool is not null ? new PromptData(stepTool.TrainRows, [])
            : agent is not null ? new PromptData(agent.TrainRows(), [])
            : _inputs.TrainRows is { } rows ? new PromptData(rows, _inputs.ValRows ?? [])
            : Stage("data", () => DataStage.Run(Config, StageDir, _log));
        IReadOnlyList<string>? agentCorpus = agent is null ? null : await agent.CorpusAsync(cancellationToken);
        agentCorpus = stepTool is null ? agentCorpus : [.. agentCorpus ?? [], .. stepTool.Corpus];
        var tokenizer = _inputs.Tokenizer ?? Stage("tokenizer", () => TokenizerStage.Run(Config, StageDir, train, agentCorpus, _log));
        var prompts = new PromptEncoder(tokenizer, Config.MaxPromptLength);
        var reward = RewardStage.Run(Config, _inputs.Rewards);
        var policy = ModelStage.Policy(Config, tokenizer, _inputs.Model);
        using var ownedPolicy = _inputs.Model is null ? policy : null;   // a caller's model stays theirs (trained in place)
        _log($"model: {policy.Model.Config.NumHiddenLayers} layers, hidden {policy.Model.Config.HiddenSize}, vocab {policy.Model.Config.VocabSize}, {policy.Model.ParameterCount():N0} parameters");

        if (Config.Sft is not null)
        {
            // An environment's warm start is its gold trajectories, token for token.
            Func<Task<IReadOnlyList<SftSequence>?>>? gold = agent is not null ? async () => await agent.GoldSequencesAsync(tokenizer, cancellationToken)
                : stepTool is not null ? () => Task.FromResult<IReadOnlyList<SftSequence>?>(stepTool.SftSequences(tokenizer)) : null;
            await foreach (var step in SftStage.RunAsync(Config, StageDir, policy, tokenizer, prompts, train, gold, _logger, StopAfter, Group, cancellationToken))
            {
                yield return step;
            }
            ModelDirectory = Path.Combine(OutputDir, "sft", "model");
        }
        if (_stopRequested && Config.Algorithm != AlgorithmKind.Sft)
        {
            yield break;
        }

        if (agent is not null && Config.Rft is not null && Config.Algorithm == AlgorithmKind.Sft)
        {
            // algorithm sft means the supervised warm start only; the rft section waits for a run that asks for it.
            _log("rft: skipped (algorithm sft runs the supervised warm start only)");
        }
        else if (agent is not null && Config.Rft is { } rft)
        {
            // The SFT start, so the report can say what RFT and RL each added.
            if (!AgentRun.HasEvaluation(StageDir, "after_sft"))
            {
                await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "after_sft", StageDir, cancellationToken);
            }
            await foreach (var step in RejectionSamplingAsync(agent, rft, policy, tokenizer, prompts.PadTokenId, cancellationToken))
            {
                yield return step;
            }
            ModelDirectory = Path.Combine(OutputDir, "rft", "model");
            if (_stopRequested)
            {
                yield break;
            }
        }
        if (agent is not null && !AgentRun.HasEvaluation(StageDir, "before"))
        {
            AgentBefore = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "before", StageDir, cancellationToken);
        }
        if (Config.Algorithm is AlgorithmKind.Sft or AlgorithmKind.Rft)
        {
            // The same held-out rows and decoding as the RL path's validation (data.max_val_samples, sampling.val_greedy).
            if (Validator.FromConfig(Config, val, prompts, reward) is { } validator)
            {
                After = validator.Run(policy, 0);
                ValidationLog.Write(StageDir, "after_sft.jsonl", After.Generations);
                _hooks.OnValidation?.Invoke(new ValidationEvent(Config.Algorithm == AlgorithmKind.Sft ? "sft" : "rft", 0, After));
            }
            yield break;
        }

        ModelStage.AddAdapters(Config, StageDir, policy, _log);
        using var reference = ModelStage.Reference(Config, policy);
        using var critic = ModelStage.Critic(Config, policy);
        var setup = new RlTrainerSetup
        {
            Config = Config,
            Policy = policy,
            Reference = reference,
            Critic = critic,
            Prompts = prompts,
            TrainRows = train,
            ValRows = val,
            Reward = reward,
            Rollout = stepTool?.RolloutStage(tokenizer) ?? StepToolRun.Online(Config, agent?.RolloutStage(tokenizer, Config.MaxResponseLength, reward)),
            PeriodicValidation = agent is null ? null
                : async (step, ct) => (await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, $"step_{step}", StageDir, ct)).Metrics,
            OutputDir = OutputDir,
            Group = Group,
            ShardOptimizer = ShardOptimizer,
            Resume = _start.Resume,
            RecordedSettings = _recordedSettings,
            Logger = _logger,
            Hooks = _hooks,
        };
        using RlTrainer trainer = Config.Algorithm == AlgorithmKind.Ppo ? new PpoTrainer(setup) : new GrpoTrainer(setup);
        _log($"{trainer.Phase}: {trainer.TotalSteps} steps ({trainer.StepsPerEpoch} per epoch), {Config.BatchSize} prompts × {Config.N} responses per step, lr {Config.ActorLr}");
        await foreach (var step in trainer.TrainAsync(cancellationToken))
        {
            Before ??= trainer.FirstValidation;
            yield return step;
        }
        Before = trainer.FirstValidation;
        After = trainer.LastValidation;
        if (agent is not null)
        {
            AgentAfter = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "after", StageDir, cancellationToken);
        }
        ReportPath = trainer.ReportPath;
        ModelDirectory = Path.Combine(trainer.Checkpoints.PathOf(trainer.Step), RlTrainer.ActorFolder);
        _stopRequested = trainer.StoppedEarly;
        _log($"done in {Stopwatch.GetElapsedTime(started).TotalMinutes:0.0} min; report: {ReportPath}");
    }

    /// <summary>
    /// The <c>rft</c> rounds (published in <c>rft/</c> like the SFT warm start, so a resumed run reuses them): sample,
    /// keep the trajectories that reach the threshold, fine-tune on them.
    /// </summary>
    private async IAsyncEnumerable<TrainingStepResult> RejectionSamplingAsync(AgentRun agent, RftConfig rft, Qwen2Policy policy, Qwen2Tokenizer tokenizer,
        int padTokenId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rftDir = Path.Combine(StageDir, "rft");
        if (AtomicDirectory.IsComplete(rftDir))
        {
            _log($"rft: reusing the finished rounds in {rftDir}");
            policy.LoadWeights(Path.Combine(rftDir, "model"));
            yield break;
        }
        var logged = new List<MetricsRow>();
        for (var round = 1; round <= rft.Rounds; round++)
        {
            var kept = await agent.RejectionSampleAsync(policy.Model, tokenizer, Config.MaxResponseLength, rft, (long)Config.Seed * 7_919 + round, round, cancellationToken);
            if (kept.Count == 0)
            {
                _log($"rft: round {round} kept no trajectory; nothing to fine-tune on");
                continue;
            }
            using var trainer = new SftTrainer(Config with { Sft = rft.AsSft() }, policy, padTokenId, kept, _logger);
            await foreach (var step in trainer.TrainAsync(cancellationToken))
            {
                logged.Add(step.Metrics);
                var result = step with { Phase = "rft" };
                yield return result;
                if (StopAfter(result))
                {
                    break;
                }
            }
            if (_stopRequested)
            {
                _log($"rft: stopped early in round {round} of {rft.Rounds}");
                break;
            }
        }
        AtomicDirectory.Publish(rftDir, dir =>
        {
            policy.SavePretrained(Path.Combine(dir, "model"));
            using var metrics = MetricsLog.Create(dir, Config.Trainer.Logger.Contains("tensorboard"));
            foreach (var row in logged)
            {
                metrics.Append(row);
            }
        }, replaceComplete: true);
    }

    /// <summary>
    /// A registry whose <paramref name="environment"/> offers the script's extra tools beside its own (as MCP servers'
    /// tools are added); null = the default registry.
    /// </summary>
    private EnvironmentRegistry? ToolsAdded(EnvironmentConfig environment)
    {
        if (_inputs.AgentTools is not { Count: > 0 } tools)
        {
            return null;
        }
        var registry = new EnvironmentRegistry();
        registry.Register(environment.Name, options => new WithExtraTools(EnvironmentRegistry.Default.Create(environment.Name, options), tools));
        return registry;
    }

    /// <summary>Asks <see cref="TrainingHooks.StopWhen"/> after a step of a phase the pipeline runs itself (SFT, RFT).</summary>
    private bool StopAfter(TrainingStepResult step) => _stopRequested = _hooks.StopWhen?.Invoke(step) == true;

    private T Stage<T>(string name, Func<T> run)
    {
        var started = Stopwatch.GetTimestamp();
        var result = run();
        _log($"{name}: ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return result;
    }
}
