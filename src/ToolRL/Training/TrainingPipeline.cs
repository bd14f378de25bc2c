using System.Diagnostics;
using System.Runtime.CompilerServices;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Runs;
using ToolRL.Tokenization;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Pipeline;
using ToolRL.Training.Rollout;
using ToolRL.Training.Validation;

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
/// </summary>
public sealed class TrainingPipeline(TrainingConfig config, string outputDir, RunStartOptions start, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });
    private IReadOnlyDictionary<string, double> _recordedSettings = new Dictionary<string, double>();

    /// <summary>A pipeline that resumes the run in <paramref name="outputDir"/>, or starts one in a folder without a run.</summary>
    public TrainingPipeline(TrainingConfig config, string outputDir, bool resume, Action<string>? log = null)
        : this(config, outputDir, new RunStartOptions { Resume = resume }, log)
    {
    }

    /// <summary>The configuration.</summary>
    public TrainingConfig Config { get; } = config;

    /// <summary>The output folder.</summary>
    public string OutputDir { get; } = Path.GetFullPath(outputDir);

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
    /// Runs every stage, yielding each training step (SFT steps, then RL steps), with the output folder opened as a
    /// <see cref="RunFolder"/> (inputs checked, folder locked, an existing run resumed or replaced) for the whole run.
    /// </summary>
    public async IAsyncEnumerable<TrainingStepResult> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var run = RunFolder.Open(OutputDir, Config, start, _log);
        _recordedSettings = run.RecordedSettings;
        await foreach (var step in RunStagesAsync(cancellationToken))
        {
            run.ConfirmStarted();
            yield return step;
        }
        run.ConfirmStarted();
    }

    private async IAsyncEnumerable<TrainingStepResult> RunStagesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        AtomicDirectory.SweepLeftovers(OutputDir);
        torch.ManualSeed(Config.Seed);

        // An environment brings its own tasks (rows naming them), tokenizer corpus, gold SFT data, rollout and evaluation.
        await using var agent = Config.Environment is { } environment ? await AgentRun.StartAsync(environment, _log, cancellationToken: cancellationToken) : null;
        var (train, val) = agent is null ? Stage("data", () => DataStage.Run(Config, OutputDir, _log)) : new PromptData(agent.TrainRows(), []);
        var agentCorpus = agent is null ? null : await agent.CorpusAsync(cancellationToken);
        var tokenizer = Stage("tokenizer", () => TokenizerStage.Run(Config, OutputDir, train, agentCorpus, _log));
        var prompts = new PromptEncoder(tokenizer, Config.MaxPromptLength);
        var reward = RewardStage.Run(Config);
        using var policy = ModelStage.Policy(Config, tokenizer);
        _log($"model: {policy.Model.Config.NumHiddenLayers} layers, hidden {policy.Model.Config.HiddenSize}, vocab {policy.Model.Config.VocabSize}, {policy.Model.ParameterCount():N0} parameters");

        if (Config.Sft is not null)
        {
            // An environment's warm start is its gold trajectories, token for token.
            Func<Task<IReadOnlyList<SftSequence>?>>? gold = agent is null ? null : async () => await agent.GoldSequencesAsync(tokenizer, cancellationToken);
            await foreach (var step in SftStage.RunAsync(Config, OutputDir, policy, tokenizer, prompts, train, gold, _log, cancellationToken))
            {
                yield return step;
            }
        }

        if (agent is not null && Config.Rft is { } rft)
        {
            await foreach (var step in RejectionSamplingAsync(agent, rft, policy, tokenizer, prompts.PadTokenId, cancellationToken))
            {
                yield return step;
            }
        }
        if (agent is not null && !AgentRun.HasEvaluation(OutputDir, "before"))
        {
            AgentBefore = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "before", OutputDir, cancellationToken);
        }
        if (Config.Algorithm is AlgorithmKind.Sft or AlgorithmKind.Rft)
        {
            // The same held-out rows and decoding as the RL path's validation (data.max_val_samples, sampling.val_greedy).
            if (Validator.FromConfig(Config, val, prompts, reward) is { } validator)
            {
                After = validator.Run(policy, 0);
                ValidationLog.Write(OutputDir, "after_sft.jsonl", After.Generations);
            }
            yield break;
        }

        ModelStage.AddAdapters(Config, OutputDir, policy, _log);
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
            Rollout = agent?.RolloutStage(tokenizer, Config.MaxResponseLength, reward),
            OutputDir = OutputDir,
            Resume = start.Resume,
            RecordedSettings = _recordedSettings,
            Log = _log,
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
            AgentAfter = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "after", OutputDir, cancellationToken);
        }
        ReportPath = trainer.ReportPath;
        _log($"done in {Stopwatch.GetElapsedTime(started).TotalMinutes:0.0} min; report: {ReportPath}");
    }

    /// <summary>
    /// The <c>rft</c> rounds (published in <c>rft/</c> like the SFT warm start, so a resumed run reuses them): sample,
    /// keep the trajectories that reach the threshold, fine-tune on them.
    /// </summary>
    private async IAsyncEnumerable<TrainingStepResult> RejectionSamplingAsync(AgentRun agent, RftConfig rft, Qwen2Policy policy, Qwen2Tokenizer tokenizer,
        int padTokenId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rftDir = Path.Combine(OutputDir, "rft");
        if (AtomicDirectory.IsComplete(rftDir))
        {
            _log($"rft: reusing the finished rounds in {rftDir}");
            policy.LoadWeights(Path.Combine(rftDir, "model"));
            yield break;
        }
        var logged = new List<MetricsRow>();
        for (var round = 1; round <= rft.Rounds; round++)
        {
            var kept = await agent.RejectionSampleAsync(policy.Model, tokenizer, Config.MaxResponseLength, rft, (long)Config.Seed * 7_919 + round, cancellationToken);
            if (kept.Count == 0)
            {
                _log($"rft: round {round} kept no trajectory; nothing to fine-tune on");
                continue;
            }
            using var trainer = new SftTrainer(Config with { Sft = rft.AsSft() }, policy, padTokenId, kept, _log);
            await foreach (var step in trainer.TrainAsync(cancellationToken))
            {
                logged.Add(step.Metrics);
                yield return step with { Phase = "rft" };
            }
        }
        AtomicDirectory.Publish(rftDir, dir =>
        {
            policy.SavePretrained(Path.Combine(dir, "model"));
            var metrics = MetricsLog.Create(dir);
            foreach (var row in logged)
            {
                metrics.Append(row);
            }
        }, replaceComplete: true);
    }

    private T Stage<T>(string name, Func<T> run)
    {
        var started = Stopwatch.GetTimestamp();
        var result = run();
        _log($"{name}: ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return result;
    }
}
