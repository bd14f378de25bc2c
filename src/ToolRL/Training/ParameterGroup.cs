using Microsoft.Extensions.Logging;
using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using ToolRL.Torch.Optim;

namespace ToolRL.Training;

/// <summary>
/// The parameters one optimizer trains, and the one way every trainer updates them (SFT, the actor, the critic):
/// gradients accumulate over micro-batches, then <see cref="Step"/> clips their global norm to
/// <c>max_grad_norm</c>, skips the update when the norm is not finite (verl dp_actor: the gradients are discarded
/// and the step is logged), steps AdamW and zeroes the gradients. The group reports the same metrics whoever uses
/// it, under its name: <c>{name}/grad_norm</c> (mean over the finite steps since the last report),
/// <c>{name}/skipped_steps</c> and <c>{name}/lr</c>. <see cref="DataParallel"/> sums the gradients of the
/// data-parallel ranks before each step (and can keep the AdamW state of 1/N of the parameters per rank, ZeRO stage 1;
/// docs/distributed.md) with the same results as one process.
/// </summary>
/// <example>
/// Train only some parameters (LoRA adapters, a value head): pass exactly those.
/// <code>
/// using var adapters = new ParameterGroup("actor", model.Parameters().Where(IsAdapter), lr, weightDecay, maxGradNorm);
/// </code>
/// </example>
public sealed partial class ParameterGroup : IDisposable
{
    // AdamW's moments as torch.optim.AdamW's defaults, the same for every group (verl and TRL use them too).
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly Parameter[] _parameters;
    // Null on a ZeRO-1 rank that owns no parameter (more ranks than parameters).
    private readonly AdamW? _optimizer;
    private readonly OptimizerShards? _shards;
    // Data-parallel: the ranks whose gradients are summed before each step, in exact float64 buckets (made at the first backward).
    private readonly ProcessGroup? _ranks;
    private GradientReducer? _reducer;
    private double _learningRate;
    private long _optimizerSteps;
    private readonly double _maxGradNorm;
    private readonly ILogger? _logger;
    private double _normSum;
    private int _finiteSteps;
    private int _skippedSteps;

    /// <summary>A group over exactly <paramref name="parameters"/> (e.g. only the LoRA adapters).</summary>
    /// <param name="name">Metric prefix and log name: "actor", "critic", "sft".</param>
    /// <param name="parameters">The parameters to train (at least one).</param>
    /// <param name="learningRate">The initial learning rate (trainers set <see cref="LearningRate"/> per step).</param>
    /// <param name="weightDecay">AdamW's decoupled weight decay.</param>
    /// <param name="maxGradNorm">The global gradient-norm clip (&gt; 0).</param>
    /// <param name="logger">Receives a warning for every skipped step.</param>
    public ParameterGroup(string name, IEnumerable<Parameter> parameters, double learningRate, double weightDecay, double maxGradNorm, ILogger? logger = null)
        : this(name, parameters, learningRate, weightDecay, maxGradNorm, logger, ranks: null, shard: false)
    {
    }

    private ParameterGroup(string name, IEnumerable<Parameter> parameters, double learningRate, double weightDecay, double maxGradNorm, ILogger? logger, ProcessGroup? ranks, bool shard)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!(maxGradNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "max_grad_norm must be > 0.");
        }
        Name = name;
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0)
        {
            throw new ArgumentException($"the {name} group has no trainable parameters; unfreeze some (RequiresGrad) or pass them explicitly.", nameof(parameters));
        }
        _ranks = ranks;
        _shards = ranks is not null && shard ? new OptimizerShards(ranks, _parameters) : null;
        var stepped = _shards?.Owned ?? _parameters;
        _optimizer = stepped.Count == 0 ? null : new AdamW(stepped, learningRate, Beta1, Beta2, Epsilon, weightDecay);
        _learningRate = learningRate;
        _maxGradNorm = maxGradNorm;
        _logger = logger;
    }

    /// <summary>A group over the parameters of <paramref name="module"/> that require gradients.</summary>
    public static ParameterGroup Trainable(string name, Module module, double learningRate, double weightDecay, double maxGradNorm, ILogger? logger = null) =>
        new(name, module.TrainableParameters(), learningRate, weightDecay, maxGradNorm, logger);

    /// <summary>
    /// A group trained by the data-parallel ranks of <paramref name="group"/>: each rank runs its share of the
    /// micro-batches through <see cref="Backward"/>, and <see cref="Step"/> sums the gradients over the ranks (exactly,
    /// in float64 buckets: <see cref="GradientReducer"/>) before the same clip and AdamW step on every rank. With
    /// <paramref name="shardOptimizer"/> (ZeRO stage 1, <see cref="OptimizerShards"/>) each rank keeps and updates the AdamW
    /// state of its flat 1/N slice of the parameters, then every slice is broadcast from its owner. Every rank must call <see cref="Step"/> and
    /// <see cref="StateDict"/> together (they are collectives).
    /// </summary>
    public static ParameterGroup DataParallel(string name, IEnumerable<Parameter> parameters, double learningRate, double weightDecay, double maxGradNorm, ProcessGroup group,
        bool shardOptimizer = false, ILogger? logger = null) =>
        new(name, parameters, learningRate, weightDecay, maxGradNorm, logger, group ?? throw new ArgumentNullException(nameof(group)), shardOptimizer);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Group}: gradient norm {Norm} is not finite; optimizer step skipped")]
    private static partial void LogSkippedStep(ILogger logger, string group, double norm);

    /// <summary>Seconds the last <see cref="Step"/> spent summing the gradients over the ranks (the benchmark's figure).</summary>
    internal double LastAllReduceSeconds { get; private set; }

    /// <summary>Gradient buckets (all-reduce calls per step) of a data-parallel group; 0 without one.</summary>
    internal int BucketCount => Reducer?.BucketCount ?? 0;

    /// <summary>The data-parallel ranks sharing this group's updates, or null for one process.</summary>
    public ProcessGroup? Ranks => _ranks;

    /// <summary>
    /// Back-propagates one micro-batch's <paramref name="loss"/> into the gradients of the next <see cref="Step"/>.
    /// Data-parallel: into this rank's float64 gradient buckets (<see cref="GradientReducer"/>), and with
    /// <paramref name="lastMicroBatch"/> (this rank's last micro-batch before <see cref="Step"/>) the buckets' all-reduces
    /// start during this backward, overlapping it.
    /// </summary>
    public void Backward(Tensor loss, bool lastMicroBatch)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Reducer?.Prepare(lastMicroBatch);
        loss.Backward();
    }

    /// <summary>Whether the gradient all-reduce overlaps the last backward (the default) or runs after it (the benchmark's reference).</summary>
    internal bool OverlapAllReduce { get; set; } = true;

    private GradientReducer? Reducer => _ranks is null ? null : _reducer ??= new GradientReducer(_ranks, _parameters, OverlapAllReduce);

    /// <summary>Bytes of AdamW state this process holds (all of it, or its ZeRO-1 share).</summary>
    public long OptimizerStateBytes => 2 * (_optimizer?.Parameters.Sum(p => p.NumEl * p.DType.ElementSize()) ?? 0);

    /// <summary>The metric prefix ("actor", "critic", "sft").</summary>
    public string Name { get; }

    /// <summary>The trained parameters.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            _learningRate = value;
            if (_optimizer is not null)
            {
                _optimizer.LearningRate = value;
            }
        }
    }

    /// <summary>Clears accumulated gradients (before the first micro-batch of an optimizer step).</summary>
    public void ZeroGrad()
    {
        _reducer?.Zero();
        foreach (var p in _parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>
    /// One optimizer step over the accumulated gradients: clip to <c>max_grad_norm</c>; when the norm is finite,
    /// step AdamW, else skip (and log); zero the gradients either way.
    /// </summary>
    /// <returns>The gradient norm before clipping (possibly NaN or ∞).</returns>
    public double Step()
    {
        var reduce = System.Diagnostics.Stopwatch.GetTimestamp();
        Reducer?.Finish();
        LastAllReduceSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(reduce).TotalSeconds;
        var norm = GradClip.ClipGradNorm(_parameters, _maxGradNorm);
        if (double.IsFinite(norm))
        {
            _shards?.BeforeStep();
            _optimizer?.Step();
            _shards?.AfterStep();
            _optimizerSteps++;
            _normSum += norm;
            _finiteSteps++;
        }
        else
        {
            _skippedSteps++;
            if (_logger is not null)
            {
                LogSkippedStep(_logger, Name, norm);
            }
        }
        ZeroGrad();
        return norm;
    }

    /// <summary>
    /// Writes <c>{name}/grad_norm</c> (mean over the finite steps since the last report; NaN when all were skipped),
    /// <c>{name}/skipped_steps</c> and <c>{name}/lr</c> into <paramref name="metrics"/>, and starts a new count.
    /// </summary>
    public void ReportMetrics(IDictionary<string, double> metrics)
    {
        metrics[$"{Name}/grad_norm"] = _finiteSteps == 0 ? double.NaN : _normSum / _finiteSteps;
        metrics[$"{Name}/skipped_steps"] = _skippedSteps;
        metrics[$"{Name}/lr"] = LearningRate;
        _normSum = 0;
        _finiteSteps = 0;
        _skippedSteps = 0;
    }

    /// <summary>The whole optimizer state (moments and step count), for checkpoints; gathered from every rank when sharded.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() =>
        _shards is null ? _optimizer!.StateDict() : _shards.Gather(_optimizer?.StateDict(), _optimizerSteps);

    /// <summary>Restores a whole state (from <see cref="StateDict"/>, sharded or not, at any world size).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _optimizer?.LoadStateDict(_shards is null ? state : _shards.Slice(state));
        _optimizerSteps = state.TryGetValue("step", out var step) ? step.ItemLong() : 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer?.Dispose();
        _shards?.Dispose();
        _reducer?.Dispose();
    }
}
