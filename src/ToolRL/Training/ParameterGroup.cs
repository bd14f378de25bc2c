using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Torch.Optim;

namespace ToolRL.Training;

/// <summary>
/// The parameters one optimizer trains, and the one way every trainer updates them (SFT, the actor, the critic):
/// gradients accumulate over micro-batches, then <see cref="Step"/> clips their global norm to
/// <c>max_grad_norm</c>, skips the update when the norm is not finite (verl dp_actor: the gradients are discarded
/// and the step is logged), steps AdamW and zeroes the gradients. The group reports the same metrics whoever uses
/// it, under its name: <c>{name}/grad_norm</c> (mean over the finite steps since the last report),
/// <c>{name}/skipped_steps</c> and <c>{name}/lr</c>.
/// </summary>
/// <example>
/// Train only some parameters (LoRA adapters, a value head): pass exactly those.
/// <code>
/// using var adapters = new ParameterGroup("actor", model.Parameters().Where(IsAdapter), lr, weightDecay, maxGradNorm);
/// </code>
/// </example>
public sealed class ParameterGroup : IDisposable
{
    // AdamW's moments as torch.optim.AdamW's defaults, the same for every group (verl and TRL use them too).
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly Parameter[] _parameters;
    private readonly AdamW _optimizer;
    private readonly double _maxGradNorm;
    private readonly Action<string>? _log;
    private double _normSum;
    private int _finiteSteps;
    private int _skippedSteps;

    /// <summary>A group over exactly <paramref name="parameters"/> (e.g. only the LoRA adapters).</summary>
    /// <param name="name">Metric prefix and log name: "actor", "critic", "sft".</param>
    /// <param name="parameters">The parameters to train (at least one).</param>
    /// <param name="learningRate">The initial learning rate (trainers set <see cref="LearningRate"/> per step).</param>
    /// <param name="weightDecay">AdamW's decoupled weight decay.</param>
    /// <param name="maxGradNorm">The global gradient-norm clip (&gt; 0).</param>
    /// <param name="log">Receives a note for every skipped step.</param>
    public ParameterGroup(string name, IEnumerable<Parameter> parameters, double learningRate, double weightDecay, double maxGradNorm, Action<string>? log = null)
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
        _optimizer = new AdamW(_parameters, learningRate, Beta1, Beta2, Epsilon, weightDecay);
        _maxGradNorm = maxGradNorm;
        _log = log;
    }

    /// <summary>A group over the parameters of <paramref name="module"/> that require gradients.</summary>
    public static ParameterGroup Trainable(string name, Module module, double learningRate, double weightDecay, double maxGradNorm, Action<string>? log = null) =>
        new(name, module.TrainableParameters(), learningRate, weightDecay, maxGradNorm, log);

    /// <summary>The metric prefix ("actor", "critic", "sft").</summary>
    public string Name { get; }

    /// <summary>The trained parameters.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate
    {
        get => _optimizer.LearningRate;
        set => _optimizer.LearningRate = value;
    }

    /// <summary>Clears accumulated gradients (before the first micro-batch of an optimizer step).</summary>
    public void ZeroGrad() => _optimizer.ZeroGrad();

    /// <summary>
    /// One optimizer step over the accumulated gradients: clip to <c>max_grad_norm</c>; when the norm is finite,
    /// step AdamW, else skip (and log); zero the gradients either way.
    /// </summary>
    /// <returns>The gradient norm before clipping (possibly NaN or ∞).</returns>
    public double Step()
    {
        var norm = GradClip.ClipGradNorm(_parameters, _maxGradNorm);
        if (double.IsFinite(norm))
        {
            _optimizer.Step();
            _normSum += norm;
            _finiteSteps++;
        }
        else
        {
            _skippedSteps++;
            _log?.Invoke($"{Name}: gradient norm {norm} is not finite; optimizer step skipped");
        }
        _optimizer.ZeroGrad();
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

    /// <summary>The optimizer state (moments and step count), for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => _optimizer.StateDict();

    /// <summary>Restores what <see cref="StateDict"/> returned.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state) => _optimizer.LoadStateDict(state);

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
