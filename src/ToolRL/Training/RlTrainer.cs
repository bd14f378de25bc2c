using System.Diagnostics;
using System.Runtime.CompilerServices;
using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Reporting;
using ToolRL.Training.Rollout;
using ToolRL.Training.Validation;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

/// <summary>
/// The rollout/update loop shared by <see cref="GrpoTrainer"/> and <see cref="PpoTrainer"/>, with verl's semantics
/// (<c>ray_trainer.py</c> <c>RayPPOTrainer.fit</c>). Each step: take <c>batch_size</c> prompts, run the rollout stage (<see cref="IRolloutStage"/>:
/// by default one sampled turn per response, scored by the reward; or an agent loop) for <c>n</c> trajectories each, compute old and reference log-probs (each only when needed), token-level rewards (KL in the reward
/// if configured), advantages (the subclass's estimator), then <c>ppo_epochs</c> passes over mini-batches of
/// <c>ppo_mini_batch_size</c> prompts with micro-batch gradient accumulation, gradient clipping (a non-finite norm
/// skips the optimizer step and is logged), AdamW, and the LR schedule stepped once per step. Validation with greedy
/// decoding before training and every <c>test_freq</c> steps; checkpoints every <c>save_freq</c> steps and at the
/// end; metrics to JSONL/CSV; an HTML report at the end.
/// </summary>
public abstract partial class RlTrainer : IDisposable
{
    private readonly ParameterGroup _actor;
    private readonly CheckpointStore _checkpoints;
    private readonly Validator? _validator;
    private readonly IRolloutStage _rollout;
    private readonly AdvantageEstimator _estimator;
    private readonly PolicyLossFn _policyLoss;
    private KlController _kl;
    private EpochIterator _data;
    private MetricsLog? _metrics;

    /// <summary>Builds the trainer; nothing runs until <see cref="TrainAsync"/>.</summary>
    protected RlTrainer(RlTrainerSetup setup)
    {
        Setup = setup;
        Note = ProgressLog.Notes(setup.Logger);
        var config = setup.Config;
        if (config.NeedsReferenceModel && setup.Reference is null)
        {
            throw new ArgumentException("the configuration uses KL (kl_coef > 0 with use_kl_in_reward or use_kl_loss) but no reference model was given; pass Reference or set kl_coef to 0.", nameof(setup));
        }
        if (setup.TrainRows.Count < config.BatchSize)
        {
            throw new ArgumentException($"batch_size {config.BatchSize} is larger than the {setup.TrainRows.Count} training prompts; lower batch_size or add data.", nameof(setup));
        }
        _actor = setup.Group is { } group
            ? ParameterGroup.DataParallel("actor", setup.Policy.Module.TrainableParameters(), config.ActorLr, config.WeightDecay, config.MaxGradNorm, group, setup.ShardOptimizer, setup.Logger)
            : ParameterGroup.Trainable("actor", setup.Policy.Module, config.ActorLr, config.WeightDecay, config.MaxGradNorm, setup.Logger);
        _rollout = setup.Rollout ?? new SingleTurnRollout(setup.Prompts, setup.Reward, Config.ArgumentCredit);
        _kl = ConfiguredAlgorithms.CreateKlController(config);
        _estimator = ConfiguredAlgorithms.EstimatorOf(config);
        _policyLoss = ConfiguredAlgorithms.PolicyLossOf(config);
        _data = NewIterator(null);
        StepsPerEpoch = _data.BatchesPerEpoch;
        TotalSteps = config.Trainer.TotalTrainingSteps ?? (long)StepsPerEpoch * config.Epochs;
        _checkpoints = new CheckpointStore(Path.Combine(setup.OutputDir, "checkpoints"), config.Trainer.MaxCheckpointsToKeep ?? int.MaxValue);
        _validator = Validator.FromConfig(config, setup.ValRows, setup.Prompts, setup.Reward);
    }

    /// <summary>The advantage estimator the configuration names (<c>adv_estimator</c>).</summary>
    private protected AdvantageEstimator Estimator => _estimator;

    /// <summary>The trainer's inputs.</summary>
    public RlTrainerSetup Setup { get; }

    /// <summary>The configuration.</summary>
    protected TrainingConfig Config => Setup.Config;

    /// <summary>Writes a progress note to <see cref="RlTrainerSetup.Logger"/>.</summary>
    private protected Action<string> Note { get; }

    /// <summary>True when <see cref="TrainingHooks.StopWhen"/> ended the run before <see cref="TotalSteps"/>.</summary>
    public bool StoppedEarly { get; private set; }

    // trainer.logger holds "tensorboard": the metrics log also writes event files.
    private bool TensorBoardOn => Config.Trainer.Logger.Contains("tensorboard");

    /// <summary>The phase name in metrics and progress ("grpo", "ppo").</summary>
    public abstract string Phase { get; }

    /// <summary>Training steps per pass over the prompts (<c>drop_last</c>, as verl).</summary>
    public int StepsPerEpoch { get; }

    /// <summary>The planned number of steps: <c>total_training_steps</c>, or steps per epoch × epochs.</summary>
    public long TotalSteps { get; }

    /// <summary>The last finished step (0 before training).</summary>
    public long Step { get; private set; }

    /// <summary>The validation before the first step (or the one restored with a resumed run's metrics).</summary>
    public ValidationResult? FirstValidation { get; private set; }

    /// <summary>The most recent validation.</summary>
    public ValidationResult? LastValidation { get; private set; }

    /// <summary>The metrics logged so far.</summary>
    public IReadOnlyList<MetricsRow> Metrics => _metrics?.Rows ?? [];

    /// <summary>Path of the HTML report written at the end.</summary>
    public string ReportPath => Path.Combine(Setup.OutputDir, "report.html");

    /// <summary>
    /// Runs the training, yielding after every step (and once for the validation before training, as step 0).
    /// With <see cref="RlTrainerSetup.Resume"/> it continues from the latest complete checkpoint. The
    /// <see cref="RlTrainerSetup.Hooks"/> run before each step is yielded.
    /// </summary>
    public async IAsyncEnumerable<TrainingStepResult> TrainAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var hooks = Setup.Hooks ?? new TrainingHooks();
        var started = Stopwatch.GetTimestamp();
        Step = Setup.Resume ? ResumeFromLatest() : 0;
        BroadcastInitialWeights();
        if (Step == 0)
        {
            _metrics = MetricsLog.Create(MetricsDirectory, TensorBoardOn && IsWriter);
            if (_validator is not null && Config.Trainer.ValBeforeTrain)
            {
                var validation = Validate(0);
                FirstValidation = validation;
                var row = new MetricsRow(0, validation.Metrics);
                _metrics.Append(row);
                var before = new TrainingStepResult(Phase, 0, TotalSteps, row, Stopwatch.GetElapsedTime(started));
                hooks.OnStep?.Invoke(before);
                yield return before;
            }
        }
        while (Step < TotalSteps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            var step = Step + 1;
            var values = await RunStepAsync(step, cancellationToken);
            var testFreq = Config.Trainer.TestFreq;
            if (_validator is not null && ((testFreq > 0 && step % testFreq == 0) || step == TotalSteps))
            {
                foreach (var (name, value) in Validate((int)step).Metrics)
                {
                    values[name] = value;
                }
            }
            if (Setup.PeriodicValidation is { } periodic && testFreq > 0 && step % testFreq == 0 && step < TotalSteps)
            {
                foreach (var (name, value) in await periodic((int)step, cancellationToken))
                {
                    values[name] = value;
                }
            }
            foreach (var (name, value) in Setup.RecordedSettings)
            {
                values[name] = value;
            }
            var row = new MetricsRow(step, values);
            _metrics!.Append(row);
            Step = step;
            var saveFreq = Config.Trainer.SaveFreq;
            var saved = (saveFreq > 0 && step % saveFreq == 0) || step == TotalSteps;
            if (saved)
            {
                SaveCheckpoint(step);
            }
            var result = new TrainingStepResult(Phase, step, TotalSteps, row, Stopwatch.GetElapsedTime(started));
            hooks.OnStep?.Invoke(result);
            if (step < TotalSteps && hooks.StopWhen?.Invoke(result) == true)
            {
                // Stopped early: this step becomes the run's last, resumable from its checkpoint.
                StoppedEarly = true;
                if (!saved)
                {
                    SaveCheckpoint(step);
                }
                Note($"{Phase}: stopped early after step {step} of {TotalSteps} (TrainingHooks.StopWhen)");
                yield return result;
                break;
            }
            yield return result;
        }
        if (IsWriter)
        {
            WriteReport();
        }
    }

    /// <summary>Runs greedy validation now (at <paramref name="step"/> for the reward schedules).</summary>
    public ValidationResult Validate(int step)
    {
        if (_validator is null)
        {
            throw new InvalidOperationException("no validation rows were given");
        }
        var result = _validator.Run(Sampler, step);
        ValidationLog.Write(MetricsDirectory, ValidationLog.StepFileName(step), result.Generations);
        _metrics?.AddValidationSamples(step, result.Generations);
        LastValidation = result;
        Setup.Hooks?.OnValidation?.Invoke(new ValidationEvent(Phase, step, result));
        return result;
    }

    /// <summary>Estimates advantages (and, for PPO, values and returns) into <paramref name="data"/>.</summary>
    private protected abstract void ComputeAdvantages(StepData data, Dictionary<string, double> metrics, StepTimer timer);

    /// <summary>Updates the critic, if any (PPO), before the actor.</summary>
    private protected virtual void UpdateCritic(StepData data, Dictionary<string, double> metrics, StepTimer timer)
    {
    }

    /// <summary>True when the actor is updated at <paramref name="step"/> (PPO's critic warmup holds it back).</summary>
    protected virtual bool UpdatesActorAt(long step) => true;

    /// <summary>Extra files of a checkpoint (the critic and its optimizer).</summary>
    protected virtual void SaveExtra(string directory)
    {
    }

    /// <summary>Restores what <see cref="SaveExtra"/> wrote.</summary>
    protected virtual void LoadExtra(string directory)
    {
    }

    private async Task<Dictionary<string, double>> RunStepAsync(long step, CancellationToken cancellationToken)
    {
        var timer = new StepTimer();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var stepStart = Stopwatch.GetTimestamp();
        _actor.LearningRate = LearningRateAt(step);

        var rows = _data.NextBatch().Select(i => Setup.TrainRows[i]).ToList();
        var sampling = Config.Sampling;
        var request = new RolloutRequest(Sampler, rows, Config.N,
            new SamplingSettings(Config.MaxResponseLength, sampling.Temperature, sampling.TopP, sampling.TopK, Setup.Prompts.StopTokenIds),
            SamplingSeed(step), (int)step) { Group = Setup.Group };
        var rollout = await _rollout.RolloutAsync(request, cancellationToken).ConfigureAwait(false);
        foreach (var (name, value) in rollout.Metrics)
        {
            metrics[name] = value;
        }
        using var data = new StepData(rollout.Trajectories);

        var onPolicy = Config.PpoEpochs == 1 && Config.MiniBatchesPerStep == 1;
        var klInReward = Config.UseKlInReward && Config.NeedsReferenceModel;
        if (!onPolicy || klInReward)
        {
            using (timer.Time(MetricNames.TimingOldLogProb))
            {
                var (old, entropy) = ForwardLogProbs(Setup.Policy, data, withEntropy: true);
                data.OldLogProbs = data.Own(old);
                metrics[MetricNames.Entropy] = entropy;
            }
            // Every rank holds all rows of both (gathered), so no reduction across ranks is needed.
            if (data.RolloutLogProbs is not null)
            {
                RolloutProbsDiff.Of(data.OldLogProbs, data.RolloutLogProbs, data.ResponseMask).WriteTo(metrics);
            }
        }
        if (Config.NeedsReferenceModel)
        {
            using (timer.Time(MetricNames.TimingRef))
            {
                data.RefLogProbs = data.Own(ForwardLogProbs(Setup.Reference!, data, withEntropy: false).LogProbs);
            }
        }

        using (var scope = NewScope())
        {
            var scores = FromArray(data.Trajectories.Select(t => (float)t.Reward).ToArray(), data.Trajectories.Count);
            var tokenScores = OutcomeReward.PlaceOnLastToken(scores, data.ResponseMask);
            if (data.Trajectories.Any(t => t.TokenRewards is not null))
            {
                // Per-token (e.g. per-turn) rewards from the rollout, on generated tokens only.
                var perToken = StepTensors.FromRows(data.Trajectories.Select(t => (IReadOnlyList<float>?)t.TokenRewards ?? []).ToList(), data.Width);
                tokenScores = tokenScores + perToken * data.ResponseMask;
            }
            if (klInReward)
            {
                var kl = KlReward.Apply(tokenScores, data.OldLogProbs!, data.RefLogProbs!, data.ResponseMask, _kl.Value, Config.KlPenalty);
                metrics[MetricNames.RewardKlPenalty] = kl.CurrentKl;
                metrics[MetricNames.RewardKlSum] = kl.SequenceSumKl;
                metrics[MetricNames.RewardKlPenaltyCoeff] = _kl.Value;
                // n counts sequences, as verl (the batch's rows) and trl (batch_size trajectories) count them.
                _kl.Update(kl.Statistic(Config.KlCtrl.KlAggMode), Config.ResponsesPerStep);
                data.TokenLevelRewards = data.Own(kl.TokenLevelRewards);
            }
            else
            {
                data.TokenLevelRewards = data.Own(tokenScores);
            }
        }

        ComputeAdvantages(data, metrics, timer);
        UpdateCritic(data, metrics, timer);
        if (UpdatesActorAt(step))
        {
            using (timer.Time(MetricNames.TimingUpdate))
            {
                UpdateActor(data, metrics);
            }
        }
        metrics[MetricNames.Lr] = _actor.LearningRate;
        AddDataMetrics(data, metrics);
        metrics[MetricNames.Epoch] = (step - 1) / StepsPerEpoch;
        foreach (var (name, seconds) in timer.Seconds)
        {
            metrics[name] = seconds;
        }
        metrics[MetricNames.TimingStep] = Stopwatch.GetElapsedTime(stepStart).TotalSeconds;
        return metrics;
    }

    // verl steps the scheduler once per training step: step s (1-based) trains with the rate after s − 1 steps.
    private double LearningRateAt(long step) => ScheduledLearningRate.After(Config.LrScheduler, step - 1, (int)TotalSteps, Config.ActorLr);

    /// <summary>The sampling seed of a step: a function of the run's seed and the step only, so a resumed run repeats it.</summary>
    private long SamplingSeed(long step) => (long)Config.Seed * 1_000_003 + step;

    private EpochIterator NewIterator(EpochIteratorState? resume) =>
        new(Setup.TrainRows.Count, Config.BatchSize, Config.Seed, dropLast: true, shuffle: Config.Data.Shuffle, resume: resume);

    private void WriteReport()
    {
        var summary = new List<(string, string)>();
        if (FirstValidation is { } first && LastValidation is { } last)
        {
            summary.Add(("held-out reward (before → after)", $"{first.Reward:0.000} → {last.Reward:0.000}"));
            foreach (var (name, after) in last.Components)
            {
                summary.Add(($"held-out {name}", $"{first.Component(name):0.000} → {after:0.000}"));
            }
            summary.Add(("held-out tool-call exact match", $"{first.ExactMatch:0.000} → {last.ExactMatch:0.000}"));
        }
        summary.Add(("steps", $"{Step} of {TotalSteps} ({StepsPerEpoch} per epoch)"));
        summary.Add(("prompts × responses per step", $"{Config.BatchSize} × {Config.N}"));
        AtomicFile.WriteAllText(ReportPath, HtmlReport.Render($"ToolRL.NET {Phase}: {Config.Trainer.ExperimentName}", Metrics, summary));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the optimizer state.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _actor.Dispose();
            _metrics?.Dispose();
            DisposeDataParallel();
        }
    }
}
