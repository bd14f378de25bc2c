
namespace ToolRL.Algorithms;

/// <summary>
/// The KL-in-reward coefficient β and its update rule (verl core_algos.py:152-211). <see cref="Value"/> is the
/// state to checkpoint; restore it with the constructor's <c>initialValue</c>.
/// </summary>
public abstract class KlController
{
    /// <summary>The current coefficient β.</summary>
    public abstract double Value { get; }

    /// <summary>Updates β after a step whose batch KL was <paramref name="currentKl"/> over <paramref name="steps"/> samples.</summary>
    public abstract void Update(double currentKl, long steps);

    /// <summary>
    /// One adaptive update (Ziegler et al. 2019, verl AdaptiveKLController): e = clip(KL/target − 1, −0.2, 0.2);
    /// β ← β·(1 + e·steps/horizon).
    /// </summary>
    public static double AdaptiveUpdate(double value, double currentKl, double targetKl, double horizon, long steps)
    {
        var error = Math.Clamp(currentKl / targetKl - 1, -0.2, 0.2);
        return value * (1 + error * steps / horizon);
    }
}

/// <summary>Constant β.</summary>
public sealed class FixedKlController(double value) : KlController
{
    /// <inheritdoc />
    public override double Value { get; } = value;

    /// <inheritdoc />
    public override void Update(double currentKl, long steps)
    {
    }
}

/// <summary>Adaptive β steering the KL to <see cref="TargetKl"/> over <see cref="Horizon"/> samples.</summary>
public sealed class AdaptiveKlController(double initialValue, double targetKl, double horizon) : KlController
{
    /// <summary>Target KL.</summary>
    public double TargetKl { get; } = targetKl;

    /// <summary>Horizon in samples.</summary>
    public double Horizon { get; } = horizon;

    /// <inheritdoc />
    public override double Value => _value;

    private double _value = initialValue;

    /// <inheritdoc />
    public override void Update(double currentKl, long steps) => _value = AdaptiveUpdate(_value, currentKl, TargetKl, Horizon, steps);
}
