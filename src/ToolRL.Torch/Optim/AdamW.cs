using System.Globalization;
using ToolRL.Torch.NN;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.Optim;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, decoupled weight decay), numerically the same as <c>torch.optim.AdamW</c>
/// (single-tensor path): p ← p(1 − lr·λ); m ← β1·m + (1−β1)g; v ← β2·v + (1−β2)g²;
/// p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). One native call updates every parameter.
/// State (m, v per parameter, and the step count) can be saved and restored for checkpoints.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;

    /// <summary>Creates the optimiser over <paramref name="parameters"/> with torch's defaults (except weight decay 0.01 as in torch).</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0)
        {
            throw new ArgumentException("AdamW needs at least one parameter", nameof(parameters));
        }
        if (lr < 0 || eps < 0 || weightDecay < 0 || beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(lr),
                $"invalid AdamW hyper-_parameters lr={lr}, betas=({beta1}, {beta2}), eps={eps}, weight_decay={weightDecay}: need lr, eps, weight_decay ≥ 0 and 0 ≤ β < 1");
        }
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        _expAvg = new Tensor[_parameters.Length];
        _expAvgSq = new Tensor[_parameters.Length];
        using var noGrad = torch.NoGrad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            _expAvg[i] = torch.ZerosLike(_parameters[i]).DetachFromScope();
            _expAvgSq[i] = torch.ZerosLike(_parameters[i]).DetachFromScope();
        }
    }

    /// <summary>The learning rate of the next step (set it from a schedule before each step).</summary>
    public double LearningRate { get; set; }

    /// <summary>β1: decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β2: decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε added to the denominator.</summary>
    public double Eps { get; }

    /// <summary>Decoupled weight decay λ.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps taken so far (the t of the bias corrections).</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters being optimised.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Applies one update from the parameters' current gradients (parameters without a gradient are left alone).</summary>
    public unsafe void Step()
    {
        StepCount++;
        var p = Tensor.Handles(_parameters);
        var m = Tensor.Handles(_expAvg);
        var v = Tensor.Handles(_expAvgSq);
        fixed (IntPtr* pp = p, pm = m, pv = v)
        {
            Check(trl_adamw_step(pp, pm, pv, p.Length, StepCount, LearningRate, Beta1, Beta2, Eps, WeightDecay));
        }
        GC.KeepAlive(_parameters);
        GC.KeepAlive(_expAvg);
        GC.KeepAlive(_expAvgSq);
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>
    /// The optimiser state as tensors: <c>step</c> (int64 scalar), <c>exp_avg.{i}</c> and <c>exp_avg_sq.{i}</c>
    /// for parameter i. The moment tensors are the optimiser's own (save them, do not dispose them); the step
    /// tensor is new (owned by the caller / current scope). Saveable with <see cref="IO.Safetensors.Save"/>.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["step"] = torch.Scalar(StepCount, DType.Int64),
        };
        for (var i = 0; i < _parameters.Length; i++)
        {
            sd[Key("exp_avg", i)] = _expAvg[i];
            sd[Key("exp_avg_sq", i)] = _expAvgSq[i];
        }
        return sd;
    }

    /// <summary>Restores a state produced by <see cref="StateDict"/> for the same parameter list (shapes are checked).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.TryGetValue("step", out var step))
        {
            throw new ArgumentException("optimizer state has no 'step' entry", nameof(state));
        }
        using var noGrad = torch.NoGrad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            Restore(state, Key("exp_avg", i), _expAvg[i]);
            Restore(state, Key("exp_avg_sq", i), _expAvgSq[i]);
        }
        var extra = state.Keys.Count(k => k != "step") - 2 * _parameters.Length;
        if (extra != 0)
        {
            throw new ArgumentException($"optimizer state has {state.Count - 1} moment tensors but this optimizer has {2 * _parameters.Length} (different parameter list?)", nameof(state));
        }
        StepCount = step.ItemLong();
    }

    private static void Restore(IReadOnlyDictionary<string, Tensor> state, string key, Tensor target)
    {
        if (!state.TryGetValue(key, out var source))
        {
            throw new ArgumentException($"optimizer state has no '{key}' entry (different parameter list?)", nameof(state));
        }
        if (!source.Shape.AsSpan().SequenceEqual(target.Shape))
        {
            throw new ArgumentException(
                $"optimizer state '{key}' has shape [{string.Join(", ", source.Shape)}] but the parameter has [{string.Join(", ", target.Shape)}]", nameof(state));
        }
        target.CopyFrom(source);
    }

    private static string Key(string kind, int i) => kind + "." + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Releases the moment tensors (not the parameters).</summary>
    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq))
        {
            t.Dispose();
        }
    }
}
