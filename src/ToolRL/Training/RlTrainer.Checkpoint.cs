using System.Diagnostics;
using ToolRL.Algorithms;
using ToolRL.Data;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Validation;

namespace ToolRL.Training;

public abstract partial class RlTrainer
{
    /// <summary>Sub-folder of a checkpoint holding the policy in Hugging Face layout (loadable by transformers).</summary>
    public const string ActorFolder = "actor";

    private const string OptimizerFile = "optimizer.safetensors";
    private const string ConfigFile = "training_config.json";

    /// <summary>The run's checkpoints.</summary>
    internal CheckpointStore Checkpoints => _checkpoints;

    /// <summary>
    /// Test hook: milliseconds to pause inside every checkpoint save, after the files are written and before the
    /// checkpoint is published (environment variable <c>TOOLRL_TEST_SAVE_PAUSE_MS</c>), so a test can SIGKILL the
    /// process mid-save deterministically.
    /// </summary>
    internal static int SavePauseMilliseconds =>
        int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_TEST_SAVE_PAUSE_MS"), out var ms) ? ms : 0;

    private void SaveCheckpoint(long step)
    {
        // Every rank takes part in gathering a ZeRO-1 optimizer state; rank 0 alone writes.
        var optimizerState = _actor.StateDict();
        if (!IsWriter)
        {
            return;
        }
        var started = Stopwatch.GetTimestamp();
        _checkpoints.Save(step, dir =>
        {
            var actor = Path.Combine(dir, ActorFolder);
            Setup.Policy.SavePretrained(actor);
            Setup.Prompts.Tokenizer.Save(actor);
            Safetensors.Save(Path.Combine(dir, OptimizerFile), optimizerState);
            SaveExtra(dir);
            var position = _data.State;
            new TrainerState
            {
                Step = step,
                Phase = Phase,
                DataEpoch = position.Epoch,
                DataPosition = position.Position,
                DataSeed = position.Seed,
                KlCoef = _kl.Value,
                LearningRate = _actor.LearningRate,
            }.Save(dir);
            CheckpointConfig.Write(Path.Combine(dir, ConfigFile), Config);
            if (SavePauseMilliseconds > 0)
            {
                Thread.Sleep(SavePauseMilliseconds);
            }
        });
        Note($"checkpoint: step {step} saved to {_checkpoints.PathOf(step)} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        Setup.Hooks?.OnCheckpoint?.Invoke(new CheckpointEvent(Phase, step, _checkpoints.PathOf(step)));
    }

    /// <summary>Restores the latest complete checkpoint; returns its step (0 when there is none: a fresh start).</summary>
    private long ResumeFromLatest()
    {
        // Other ranks only read: rank 0 alone tidies (and writes) the shared checkpoints folder.
        var swept = IsWriter ? _checkpoints.SweepLeftovers() : 0;
        if (swept > 0)
        {
            Note($"resume: removed {swept} incomplete checkpoint folder(s) left by an interrupted save");
        }
        if (CheckpointVerifier.NewestLoadable(_checkpoints, Note) is not { } latest)
        {
            Note("resume: no complete checkpoint yet; starting from step 0");
            return 0;
        }
        var dir = latest.Path;
        var state = TrainerState.Load(dir);
        if (state.Phase != Phase)
        {
            throw new InvalidDataException($"checkpoint {dir} is from phase '{state.Phase}', not '{Phase}'. Fix: use a fresh --output folder for a different algorithm.");
        }
        Setup.Policy.LoadWeights(Path.Combine(dir, ActorFolder));
        _actor.LoadStateDict(Safetensors.Load(Path.Combine(dir, OptimizerFile)));
        LoadExtra(dir);
        _data = NewIterator(new EpochIteratorState(state.DataEpoch, state.DataPosition, state.DataSeed));
        _kl = ConfiguredAlgorithms.CreateKlController(Config, state.KlCoef);
        _metrics?.Dispose();
        _metrics = IsWriter ? MetricsLog.Resume(Setup.OutputDir, state.Step, TensorBoardOn) : MetricsLog.Create(MetricsDirectory);
        FirstValidation = _metrics.Rows.FirstOrDefault(r => r.Step == 0) is { } first ? FromMetrics(first) : null;
        LastValidation = _metrics.Rows.LastOrDefault(r => r.Values.ContainsKey(MetricNames.ValRewardMean)) is { } last ? FromMetrics(last) : null;
        Note($"resume: continuing after step {state.Step} from {dir}");
        return state.Step;
    }

    private static ValidationResult FromMetrics(MetricsRow row) => new(
        row.Get(MetricNames.ValRewardMean) ?? double.NaN,
        row.Get(MetricNames.ValExactMatch) ?? double.NaN,
        0,
        row.Values.Where(kv => kv.Key.StartsWith("val/", StringComparison.Ordinal)).ToDictionary());
}
