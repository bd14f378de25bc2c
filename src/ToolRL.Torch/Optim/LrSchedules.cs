namespace ToolRL.Torch.Optim;

/// <summary>
/// Learning-rate schedules as pure functions of the step (0-based, the step about to be taken), matching
/// Hugging Face's get_constant_schedule_with_warmup / get_linear_schedule_with_warmup /
/// get_cosine_schedule_with_warmup (half a cosine cycle); <c>minRatio</c> floors the decay at
/// baseLr·minRatio: lr = baseLr·(minRatio + (1 − minRatio)·factor) after warmup.
/// </summary>
public static class LrSchedules
{
    /// <summary>Linear warmup from 0 to baseLr over <paramref name="warmup"/> steps, then constant.</summary>
    public static double Constant(long step, long warmup, double baseLr) =>
        step < warmup ? baseLr * step / Math.Max(1, warmup) : baseLr;

    /// <summary>Linear warmup, then linear decay to baseLr·minRatio at <paramref name="total"/>.</summary>
    public static double LinearWithWarmup(long step, long warmup, long total, double baseLr, double minRatio = 0)
    {
        if (step < warmup)
        {
            return baseLr * step / Math.Max(1, warmup);
        }
        var factor = Math.Max(0.0, (double)(total - step) / Math.Max(1, total - warmup));
        return baseLr * (minRatio + (1 - minRatio) * factor);
    }

    /// <summary>Linear warmup, then cosine decay (half a cycle) to baseLr·minRatio at <paramref name="total"/>.</summary>
    public static double CosineWithWarmup(long step, long warmup, long total, double baseLr, double minRatio = 0)
    {
        if (step < warmup)
        {
            return baseLr * step / Math.Max(1, warmup);
        }
        var progress = Math.Min(1.0, (double)(step - warmup) / Math.Max(1, total - warmup));
        var factor = Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
        return baseLr * (minRatio + (1 - minRatio) * factor);
    }
}

/// <summary>A learning-rate schedule as an object (for configs): the rate at a 0-based step.</summary>
public abstract record LrSchedule
{
    /// <summary>The learning rate for <paramref name="step"/>.</summary>
    public abstract double At(long step);

    /// <summary>Builds a schedule by name: "constant", "linear" or "cosine".</summary>
    public static LrSchedule Create(string kind, double baseLr, long warmup, long total, double minRatio = 0) => kind.ToLowerInvariant() switch
    {
        "constant" => new ConstantLr(baseLr, warmup),
        "linear" => new LinearLr(baseLr, warmup, total, minRatio),
        "cosine" => new CosineLr(baseLr, warmup, total, minRatio),
        _ => throw new ArgumentException($"unknown learning-rate schedule '{kind}' (use constant, linear or cosine)", nameof(kind)),
    };
}

/// <summary>Warmup then constant.</summary>
public sealed record ConstantLr(double BaseLr, long Warmup = 0) : LrSchedule
{
    /// <inheritdoc />
    public override double At(long step) => LrSchedules.Constant(step, Warmup, BaseLr);
}

/// <summary>Warmup then linear decay.</summary>
public sealed record LinearLr(double BaseLr, long Warmup, long Total, double MinRatio = 0) : LrSchedule
{
    /// <inheritdoc />
    public override double At(long step) => LrSchedules.LinearWithWarmup(step, Warmup, Total, BaseLr, MinRatio);
}

/// <summary>Warmup then cosine decay.</summary>
public sealed record CosineLr(double BaseLr, long Warmup, long Total, double MinRatio = 0) : LrSchedule
{
    /// <inheritdoc />
    public override double At(long step) => LrSchedules.CosineWithWarmup(step, Warmup, Total, BaseLr, MinRatio);
}
