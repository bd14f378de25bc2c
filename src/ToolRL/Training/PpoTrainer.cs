using ToolRL.Algorithms;
using ToolRL.Distributed;
using ToolRL.Torch.IO;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

/// <summary>
/// PPO with a critic (verl's <c>gae</c> estimator, <c>core_algos.py</c> <c>compute_gae_advantage_return</c>): the critic (a Qwen2 trunk with a value
/// head, its own AdamW at <c>critic_lr</c>) gives the value of the state before each response token; GAE with
/// <c>gamma</c>/<c>lam</c> gives advantages (whitened when <c>normalize_advantages</c>) and returns; the critic is
/// updated every step on the clipped value loss (<c>cliprange_value</c>), before the actor; the actor is updated
/// from step <c>critic_warmup</c> on (verl: steps start at 1, so critic_warmup = N gives N − 1 critic-only steps).
/// Usually n = 1 and KL in the reward with a fixed or adaptive controller.
/// </summary>
public sealed class PpoTrainer : RlTrainer
{
    private const string CriticFolder = "critic";
    private const string CriticOptimizerFile = "critic_optimizer.safetensors";
    private readonly IValueModel _critic;
    private readonly ParameterGroup _criticGroup;

    /// <summary>Builds the trainer; <see cref="RlTrainerSetup.Critic"/> is required.</summary>
    public PpoTrainer(RlTrainerSetup setup) : base(setup)
    {
        _critic = setup.Critic ?? throw new ArgumentException("PPO needs a critic: set RlTrainerSetup.Critic (e.g. a Qwen2 value model initialised from the policy).", nameof(setup));
        if (!Estimator.NeedsValues)
        {
            throw new ArgumentException($"PPO trains a critic, but adv_estimator '{Estimator.Name}' does not read its values; use GrpoTrainer (algorithm grpo) with it, or adv_estimator gae.", nameof(setup));
        }
        // Data-parallel: the critic's gradients are summed over the ranks as the actor's (its AdamW state stays whole).
        _criticGroup = setup.Group is { } group
            ? ParameterGroup.DataParallel("critic", _critic.Module.TrainableParameters(), Config.CriticLr, Config.WeightDecay, Config.MaxGradNorm, group, logger: Setup.Logger)
            : ParameterGroup.Trainable("critic", _critic.Module, Config.CriticLr, Config.WeightDecay, Config.MaxGradNorm, Setup.Logger);
    }

    /// <inheritdoc />
    public override string Phase => "ppo";

    /// <inheritdoc />
    protected override bool UpdatesActorAt(long step) => Config.CriticWarmup <= step;

    /// <inheritdoc />
    private protected override void ComputeAdvantages(StepData data, Dictionary<string, double> metrics, StepTimer timer)
    {
        using (timer.Time(MetricNames.TimingValues))
        {
            data.Values = data.Own(CriticValues(data));
        }
        using (timer.Time("timing_s/adv"))
        {
            EstimateAdvantages(data, metrics);
        }
        using var scope = NewScope();
        metrics[MetricNames.ValuesMean] = Masked.Mean(data.Values, data.ResponseMask).ItemDouble();
        metrics[MetricNames.VfExplainedVar] = ValueLoss.ExplainedVariance(data.Returns!, data.Values, data.ResponseMask);
    }

    /// <inheritdoc />
    private protected override void UpdateCritic(StepData data, Dictionary<string, double> metrics, StepTimer timer)
    {
        using var time = timer.Time(MetricNames.TimingUpdateCritic);
        _critic.Module.Train();
        _criticGroup.LearningRate = Config.CriticLr;
        double loss = 0, clipFrac = 0, vpred = 0, tokens = 0;
        var steps = UpdateByMiniBatches(data, _criticGroup, (batch, normalizer) =>
        {
            var predicted = _critic.Values(batch);
            var result = ValueLoss.ComputeClipped(predicted, batch.Select(data.Values!), batch.Select(data.Returns!), batch.ResponseMask,
                Config.CliprangeValue, Config.LossAggMode, normalizer);
            loss += result.VfLoss.ItemDouble();
            clipFrac += result.VfClipFrac * batch.TokenCount;
            using (NoGrad())
            {
                vpred += Masked.Sum(predicted, batch.ResponseMask).ItemDouble();
            }
            tokens += batch.TokenCount;
            return result.VfLoss;
        });
        var sums = new[] { loss, clipFrac, vpred, tokens };
        RankShare.Sum(Setup.Group, sums);
        (loss, clipFrac, vpred, tokens) = (sums[0], sums[1], sums[2], sums[3]);
        metrics[MetricNames.VfLoss] = loss / steps;
        metrics[MetricNames.VfClipFrac] = clipFrac / Math.Max(tokens, 1);
        metrics[MetricNames.VpredMean] = vpred / Math.Max(tokens, 1);
        _criticGroup.ReportMetrics(metrics);
    }

    /// <inheritdoc />
    protected override void SaveExtra(string directory)
    {
        _critic.SavePretrained(Path.Combine(directory, CriticFolder));
        Safetensors.Save(Path.Combine(directory, CriticOptimizerFile), _criticGroup.StateDict());
    }

    /// <inheritdoc />
    protected override void LoadExtra(string directory)
    {
        _critic.LoadWeights(Path.Combine(directory, CriticFolder));
        _criticGroup.LoadStateDict(Safetensors.Load(Path.Combine(directory, CriticOptimizerFile)));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _criticGroup.Dispose();
        }
        base.Dispose(disposing);
    }

    private ToolRL.Torch.Tensor CriticValues(StepData data)
    {
        _critic.Module.Eval();
        using var noGrad = NoGrad();
        return GatherRows(data, batch => _critic.Values(batch) * batch.ResponseMask);
    }
}
